/* The n-body simulation (five Jovian planets, double precision), 2M steps. */
#include <math.h>
#include <stdio.h>

#define N 5
static double x[N][3], v[N][3], m[N];

static double energy(void) {
    double e = 0;
    for (int i = 0; i < N; i++) {
        e += 0.5 * m[i] * (v[i][0] * v[i][0] + v[i][1] * v[i][1] + v[i][2] * v[i][2]);
        for (int j = i + 1; j < N; j++) {
            double d[3] = {x[i][0] - x[j][0], x[i][1] - x[j][1], x[i][2] - x[j][2]};
            e -= m[i] * m[j] / sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        }
    }
    return e;
}

int main(void) {
    const double pi = 3.141592653589793, solar = 4 * pi * pi, days = 365.24;
    double init[N][7] = {
        {0, 0, 0, 0, 0, 0, 1},
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03 * days,
         7.69901118419740425e-03 * days, -6.90460016972063023e-05 * days, 9.54791938424326609e-04},
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03 * days,
         4.99852801234917238e-03 * days, 2.30417297573763929e-05 * days, 2.85885980666130812e-04},
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03 * days,
         2.37847173959480950e-03 * days, -2.96589568540237556e-05 * days, 4.36624404335156298e-05},
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03 * days,
         1.62824170038242295e-03 * days, -9.51592254519715870e-05 * days, 5.15138902046611451e-05}};
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 3; k++) { x[i][k] = init[i][k]; v[i][k] = init[i][k + 3]; }
        m[i] = init[i][6] * solar;
    }
    for (int k = 0; k < 3; k++) {
        double p = 0;
        for (int i = 0; i < N; i++) p += v[i][k] * m[i];
        v[0][k] = -p / solar;
    }
    printf("%.9f\n", energy());
    for (int step = 0; step < 2000000; step++) {
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++) {
                double d[3] = {x[i][0] - x[j][0], x[i][1] - x[j][1], x[i][2] - x[j][2]};
                double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                double mag = 0.01 / (d2 * sqrt(d2));
                for (int k = 0; k < 3; k++) { v[i][k] -= d[k] * m[j] * mag; v[j][k] += d[k] * m[i] * mag; }
            }
        for (int i = 0; i < N; i++) for (int k = 0; k < 3; k++) x[i][k] += 0.01 * v[i][k];
    }
    printf("%.9f\n", energy());
    return 0;
}
