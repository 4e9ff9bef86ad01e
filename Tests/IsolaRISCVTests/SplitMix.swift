import Foundation

/// The seeded generator of this target's random tests: a failing run names its seed
/// (`ISOLA_TEST_SEED` picks another), and the same seed draws the same values forever.
///
/// SplitMix64: a small, seedable generator, so a seed names its stream forever.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    /// The seed is hashed first: started at `seed * gamma`, neighbouring seeds walked one
    /// sequence a step apart and drew strongly correlated values.
    init(seed: UInt64) { state = SplitMix.mix(seed &* 0xD1B5_4A32_D192_ED03) }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix.mix(state)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

extension SplitMix {
    /// The seed for the random tests: `ISOLA_TEST_SEED` when set, else a fixed one.
    static var testSeed: UInt64 {
        ProcessInfo.processInfo.environment["ISOLA_TEST_SEED"].flatMap { UInt64($0) } ?? 0x1501A
    }
}
