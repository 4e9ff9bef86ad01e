import IsolaRISCV
import Testing

/// The software IEEE 754 core against known results, and against the host's
/// own IEEE arithmetic where both must agree (round to nearest, even).
@Suite struct SoftFloatTests {
    func d(_ v: Double) -> UInt64 { v.bitPattern }

    @Test func knownResults() {
        var sf = SoftFloat(.double)
        #expect(sf.add(d(0.1), d(0.2)) == 0x3FD3_3333_3333_3334)
        #expect(sf.squareRoot(d(2)) == 0x3FF6_A09E_667F_3BCD)
        #expect(sf.flags == FloatFlag.inexact)
    }

    @Test func roundingModesOfOneThird() {
        let expected: [RoundingMode: UInt64] = [
            .nearestEven: 0x3FD5_5555_5555_5555, .towardZero: 0x3FD5_5555_5555_5555,
            .down: 0x3FD5_5555_5555_5555, .up: 0x3FD5_5555_5555_5556, .nearestMaxMagnitude: 0x3FD5_5555_5555_5555,
        ]
        for (mode, bits) in expected {
            var sf = SoftFloat(.double, rounding: mode)
            #expect(sf.divide(d(1), d(3)) == bits, "\(mode)")
        }
    }

    @Test func nanResultsAreCanonical() {
        var sf = SoftFloat(.double)
        #expect(sf.add(0x7FF0_0000_0000_0001, d(1)) == FloatFormat.double.canonicalNaN)
        #expect(sf.flags & FloatFlag.invalid != 0)  // signaling NaN operand
    }

    @Test func conversionSaturates() {
        var sf = SoftFloat(.double, rounding: .towardZero)
        #expect(sf.toInteger(d(1e20), signed: true, bits: 32) == 0x7FFF_FFFF)
        #expect(sf.toInteger(d(-1e20), signed: true, bits: 64) == 0x8000_0000_0000_0000)
        #expect(sf.toInteger(d(-1), signed: false, bits: 64) == 0)
        #expect(sf.flags == FloatFlag.invalid)
    }

    @Test func subnormalUnderflowFlags() {
        var sf = SoftFloat(.double)
        // The smallest normal halved is exact: no underflow flag without inexactness.
        _ = sf.multiply(0x0010_0000_0000_0000, d(0.5))
        #expect(sf.flags == 0)
        // A result that is tiny and inexact raises underflow and inexact.
        _ = sf.multiply(0x0010_0000_0000_0001, d(0.25))
        #expect(sf.flags == FloatFlag.underflow | FloatFlag.inexact)
    }

    /// Random operands: add, multiply, divide, sqrt and fused multiply-add match the host bit for bit.
    @Test func agreesWithHostRoundToNearest() {
        var rng = SplitMix(seed: SplitMix.testSeed)
        func randomDouble() -> Double {
            // Mostly finite values across the whole exponent range, some subnormals.
            let bits = UInt64.random(in: 0...UInt64.max, using: &rng)
            let v = Double(bitPattern: bits)
            return v.isNaN || v.isInfinite ? 1.5 : v
        }
        for _ in 0..<20_000 {
            let a = randomDouble(), b = randomDouble(), c = randomDouble()
            var sf = SoftFloat(.double)
            func same(_ soft: UInt64, _ host: Double) -> Bool {
                host.isNaN ? soft == FloatFormat.double.canonicalNaN : soft == host.bitPattern
            }
            #expect(same(sf.add(d(a), d(b)), a + b), "\(a) + \(b)")
            #expect(same(sf.multiply(d(a), d(b)), a * b), "\(a) * \(b)")
            #expect(same(sf.divide(d(a), d(b)), a / b), "\(a) / \(b)")
            #expect(same(sf.squareRoot(d(abs(a))), abs(a).squareRoot()), "sqrt \(a)")
            #expect(same(sf.fusedMultiplyAdd(d(a), d(b), d(c)), c.addingProduct(a, b)), "\(a) * \(b) + \(c)")
        }
    }

    @Test func singlePrecisionAgreesWithHost() {
        var rng = SplitMix(seed: SplitMix.testSeed)
        for _ in 0..<20_000 {
            let a = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            let b = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            guard a.isFinite && b.isFinite else { continue }
            var sf = SoftFloat(.single)
            func same(_ soft: UInt64, _ host: Float) -> Bool {
                host.isNaN ? soft == FloatFormat.single.canonicalNaN : soft == UInt64(host.bitPattern)
            }
            #expect(same(sf.add(UInt64(a.bitPattern), UInt64(b.bitPattern)), a + b))
            #expect(same(sf.multiply(UInt64(a.bitPattern), UInt64(b.bitPattern)), a * b))
            #expect(same(sf.divide(UInt64(a.bitPattern), UInt64(b.bitPattern)), a / b))
        }
    }
}
