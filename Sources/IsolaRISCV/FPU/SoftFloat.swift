/// Rounding modes of the `rm` field and `frm` (unprivileged spec 13.2).
public enum RoundingMode: UInt8, Sendable, CaseIterable {
    case nearestEven = 0
    case towardZero = 1
    case down = 2
    case up = 3
    case nearestMaxMagnitude = 4
}

/// Accrued exception flags as `fflags` encodes them.
public enum FloatFlag {
    public static let inexact: UInt64 = 1
    public static let underflow: UInt64 = 2
    public static let overflow: UInt64 = 4
    public static let divideByZero: UInt64 = 8
    public static let invalid: UInt64 = 16
}

/// An IEEE 754 binary interchange format (binary16, binary32 or binary64).
public struct FloatFormat: Sendable {
    public let exponentBits: Int
    public let fractionBits: Int

    public static let half = FloatFormat(exponentBits: 5, fractionBits: 10)
    public static let single = FloatFormat(exponentBits: 8, fractionBits: 23)
    public static let double = FloatFormat(exponentBits: 11, fractionBits: 52)

    var bias: Int { (1 << (exponentBits - 1)) - 1 }
    var minExponent: Int { 1 - bias }
    var maxExponentField: UInt64 { (1 << UInt64(exponentBits)) - 1 }
    var fractionMask: UInt64 { (1 << UInt64(fractionBits)) - 1 }
    public var signBit: UInt64 { 1 << UInt64(exponentBits + fractionBits) }
    var quietBit: UInt64 { 1 << UInt64(fractionBits - 1) }
    public var infinity: UInt64 { maxExponentField << UInt64(fractionBits) }
    var maxFinite: UInt64 { ((maxExponentField - 1) << UInt64(fractionBits)) | fractionMask }
    /// The canonical NaN RISC-V returns for every NaN result (unprivileged spec 13.3).
    public var canonicalNaN: UInt64 { infinity | quietBit }
}

/// Software IEEE 754 arithmetic with exact rounding in all five modes and
/// RISC-V's NaN and flag rules. Results never depend on the host FPU or its
/// rounding state, so they are the same on every host, bit for bit.
///
/// Values are raw bit patterns of `format`; flags accumulate into `flags`.
public struct SoftFloat {
    public let format: FloatFormat
    public let rounding: RoundingMode
    public var flags: UInt64 = 0

    public init(_ format: FloatFormat, rounding: RoundingMode = .nearestEven) {
        self.format = format
        self.rounding = rounding
    }

    // MARK: Classification

    func exponentField(_ a: UInt64) -> UInt64 { (a >> UInt64(format.fractionBits)) & format.maxExponentField }
    func isNaN(_ a: UInt64) -> Bool { exponentField(a) == format.maxExponentField && a & format.fractionMask != 0 }
    func isSignalingNaN(_ a: UInt64) -> Bool { isNaN(a) && a & format.quietBit == 0 }
    func isInfinity(_ a: UInt64) -> Bool { a & ~format.signBit == format.infinity }
    func isZero(_ a: UInt64) -> Bool { a & ~format.signBit == 0 }
    func sign(_ a: UInt64) -> Bool { a & format.signBit != 0 }
    func zero(_ negative: Bool) -> UInt64 { negative ? format.signBit : 0 }
    func infinity(_ negative: Bool) -> UInt64 { format.infinity | (negative ? format.signBit : 0) }

    /// A finite nonzero value as `significand * 2^exponent`.
    func unpack(_ a: UInt64) -> (exponent: Int, significand: UInt64) {
        let e = exponentField(a)
        let fraction = a & format.fractionMask
        if e == 0 { return (format.minExponent - format.fractionBits, fraction) }
        return (Int(e) - format.bias - format.fractionBits, fraction | (1 << UInt64(format.fractionBits)))
    }

    /// The canonical NaN, raising invalid when an operand is a signaling NaN.
    mutating func propagateNaN(_ operands: UInt64...) -> UInt64 {
        if operands.contains(where: isSignalingNaN) { flags |= FloatFlag.invalid }
        return format.canonicalNaN
    }

    mutating func invalid() -> UInt64 {
        flags |= FloatFlag.invalid
        return format.canonicalNaN
    }

    // MARK: Rounding

    /// Drops the low `drop` bits of `significand`, rounding by `rounding`; returns the kept bits and inexactness.
    func roundSignificand(_ significand: UInt64, drop: Int, negative: Bool) -> (UInt64, Bool) {
        if drop <= 0 { return (significand << UInt64(-drop), false) }
        let kept: UInt64, remainder: UInt64, half: UInt64
        if drop >= 64 {
            kept = 0
            remainder = significand
            // For drop > 64 every remainder is below half; model that with a half above any remainder.
            half = drop == 64 ? 1 << 63 : 0
        } else {
            kept = significand >> UInt64(drop)
            remainder = significand & ((1 << UInt64(drop)) - 1)
            half = 1 << UInt64(drop - 1)
        }
        let inexact = remainder != 0
        let aboveHalf = half == 0 ? false : remainder > half
        let atHalf = half == 0 ? false : remainder == half
        let up: Bool
        switch rounding {
        case .nearestEven: up = aboveHalf || (atHalf && kept & 1 == 1)
        case .towardZero: up = false
        case .down: up = inexact && negative
        case .up: up = inexact && !negative
        case .nearestMaxMagnitude: up = aboveHalf || atHalf
        }
        return (up ? kept + 1 : kept, inexact)
    }

    /// Rounds `significand * 2^exponent` (nonzero; low bit may be a sticky bit) to the format.
    /// Tininess is detected after rounding, as RISC-V specifies.
    mutating func roundPack(negative: Bool, exponent: Int, significand: UInt64) -> UInt64 {
        precondition(significand != 0)
        let shift = significand.leadingZeroBitCount
        let sig = significand << UInt64(shift)
        let e = exponent - shift + 63  // exponent of the leading bit
        let p = format.fractionBits + 1
        let signBits = negative ? format.signBit : 0
        if e >= format.minExponent {
            var (kept, inexact) = roundSignificand(sig, drop: 64 - p, negative: negative)
            var resultExponent = e
            if kept >> UInt64(p) != 0 {
                kept >>= 1
                resultExponent += 1
            }
            if resultExponent > format.bias { return overflow(negative) }
            if inexact { flags |= FloatFlag.inexact }
            return signBits | UInt64(resultExponent + format.bias) << UInt64(format.fractionBits) | (kept & format.fractionMask)
        }
        let (unbounded, _) = roundSignificand(sig, drop: 64 - p, negative: negative)
        let tiny = !(unbounded >> UInt64(p) != 0 && e + 1 >= format.minExponent)
        let (kept, inexact) = roundSignificand(sig, drop: 64 - p + (format.minExponent - e), negative: negative)
        if inexact {
            flags |= FloatFlag.inexact
            if tiny { flags |= FloatFlag.underflow }
        }
        // A subnormal's bits are its significand; rounding up to 2^emin yields the smallest normal.
        return signBits | kept
    }

    mutating func overflow(_ negative: Bool) -> UInt64 {
        flags |= FloatFlag.overflow | FloatFlag.inexact
        let toInfinity: Bool
        switch rounding {
        case .nearestEven, .nearestMaxMagnitude: toInfinity = true
        case .towardZero: toInfinity = false
        case .down: toInfinity = negative
        case .up: toInfinity = !negative
        }
        return (negative ? format.signBit : 0) | (toInfinity ? format.infinity : format.maxFinite)
    }

    static func shiftRightJam(_ v: UInt64, _ d: Int) -> UInt64 {
        if d <= 0 { return v }
        if d >= 64 { return v != 0 ? 1 : 0 }
        return (v >> UInt64(d)) | (v << UInt64(64 - d) != 0 ? 1 : 0)
    }

    static func shiftRightJam(_ v: UInt128, _ d: Int) -> UInt128 {
        if d <= 0 { return v }
        if d >= 128 { return v != 0 ? 1 : 0 }
        return (v >> d) | (v << (128 - d) != 0 ? 1 : 0)
    }

    /// Folds a 128-bit exact value to 64 bits with a sticky bit; returns the exponent adjustment.
    static func collapse(_ v: UInt128) -> (UInt64, Int) {
        if v >> 64 == 0 { return (UInt64(truncatingIfNeeded: v), 0) }
        let lz = v.leadingZeroBitCount
        let top = v << lz
        let sticky: UInt64 = UInt64(truncatingIfNeeded: top) != 0 ? 1 : 0
        return (UInt64(truncatingIfNeeded: top >> 64) | sticky, 64 - lz)
    }

    // MARK: Arithmetic

    public mutating func add(_ a: UInt64, _ b: UInt64) -> UInt64 { sum(a, b, subtract: false) }
    public mutating func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { sum(a, b, subtract: true) }

    mutating func sum(_ a: UInt64, _ bIn: UInt64, subtract: Bool) -> UInt64 {
        if isNaN(a) || isNaN(bIn) { return propagateNaN(a, bIn) }
        let b = subtract ? bIn ^ format.signBit : bIn
        let sa = sign(a), sb = sign(b)
        if isInfinity(a) {
            if isInfinity(b) && sa != sb { return invalid() }
            return a
        }
        if isInfinity(b) { return b }
        if isZero(a) && isZero(b) { return sa == sb ? a : zero(rounding == .down) }
        if isZero(a) { return b }
        if isZero(b) { return a }
        var (ea, ma) = unpack(a)
        var (eb, mb) = unpack(b)
        // Leading bits at 61 leave room for the carry of an addition.
        let la = ma.leadingZeroBitCount - 2, lb = mb.leadingZeroBitCount - 2
        ma <<= UInt64(la); ea -= la
        mb <<= UInt64(lb); eb -= lb
        var signA = sa, signB = sb
        if ea < eb || (ea == eb && ma < mb) {
            swap(&ea, &eb); swap(&ma, &mb); swap(&signA, &signB)
        }
        mb = SoftFloat.shiftRightJam(mb, ea - eb)
        let m = signA == signB ? ma + mb : ma - mb
        if m == 0 { return zero(rounding == .down) }
        return roundPack(negative: signA, exponent: ea, significand: m)
    }

    public mutating func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if isNaN(a) || isNaN(b) { return propagateNaN(a, b) }
        let negative = sign(a) != sign(b)
        if isInfinity(a) || isInfinity(b) {
            if isZero(a) || isZero(b) { return invalid() }
            return infinity(negative)
        }
        if isZero(a) || isZero(b) { return zero(negative) }
        let (ea, ma) = unpack(a), (eb, mb) = unpack(b)
        let (sig, adjust) = SoftFloat.collapse(UInt128(ma) * UInt128(mb))
        return roundPack(negative: negative, exponent: ea + eb + adjust, significand: sig)
    }

    public mutating func divide(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if isNaN(a) || isNaN(b) { return propagateNaN(a, b) }
        let negative = sign(a) != sign(b)
        if isInfinity(a) {
            if isInfinity(b) { return invalid() }
            return infinity(negative)
        }
        if isInfinity(b) { return zero(negative) }
        if isZero(b) {
            if isZero(a) { return invalid() }
            flags |= FloatFlag.divideByZero
            return infinity(negative)
        }
        if isZero(a) { return zero(negative) }
        var (ea, ma) = unpack(a)
        var (eb, mb) = unpack(b)
        let la = ma.leadingZeroBitCount, lb = mb.leadingZeroBitCount
        ma <<= UInt64(la); ea -= la
        mb <<= UInt64(lb); eb -= lb
        if ma >= mb { ma >>= 1; ea += 1 }  // keeps the quotient below 2^64; no significant bit is lost
        let (q, r) = mb.dividingFullWidth((high: ma, low: 0))
        return roundPack(negative: negative, exponent: ea - eb - 64, significand: q | (r != 0 ? 1 : 0))
    }

    public mutating func squareRoot(_ a: UInt64) -> UInt64 {
        if isNaN(a) { return propagateNaN(a) }
        if isZero(a) { return a }
        if sign(a) { return invalid() }
        if isInfinity(a) { return a }
        var (e, m) = unpack(a)
        let lz = m.leadingZeroBitCount
        m <<= UInt64(lz); e -= lz
        let shift = (e - 62) & 1 == 0 ? 62 : 63
        let radicand = UInt128(m) << shift
        let (root, exact) = SoftFloat.integerSquareRoot(radicand)
        return roundPack(negative: false, exponent: (e - shift) / 2, significand: root | (exact ? 0 : 1))
    }

    /// floor(sqrt(v)) and whether it is exact, digit by digit.
    static func integerSquareRoot(_ v: UInt128) -> (UInt64, Bool) {
        var remainder = v
        var result: UInt128 = 0
        var bit: UInt128 = 1 << 126
        while bit > remainder { bit >>= 2 }
        while bit != 0 {
            if remainder >= result + bit {
                remainder -= result + bit
                result = (result >> 1) + bit
            } else {
                result >>= 1
            }
            bit >>= 2
        }
        return (UInt64(truncatingIfNeeded: result), remainder == 0)
    }

    /// `(a * b) + c` with one rounding; `negateProduct`/`negateAddend` give fmsub, fnmadd, fnmsub.
    public mutating func fusedMultiplyAdd(_ a: UInt64, _ b: UInt64, _ cIn: UInt64,
                                          negateProduct: Bool = false, negateAddend: Bool = false) -> UInt64 {
        let infinityTimesZero = (isInfinity(a) && isZero(b)) || (isZero(a) && isInfinity(b))
        if isNaN(a) || isNaN(b) || isNaN(cIn) {
            // RISC-V raises invalid for inf * 0 even when the addend is a quiet NaN.
            if infinityTimesZero { flags |= FloatFlag.invalid }
            return propagateNaN(a, b, cIn)
        }
        if infinityTimesZero { return invalid() }
        let productNegative = (sign(a) != sign(b)) != negateProduct
        let c = negateAddend ? cIn ^ format.signBit : cIn
        let sc = sign(c)
        if isInfinity(a) || isInfinity(b) {
            if isInfinity(c) && sc != productNegative { return invalid() }
            return infinity(productNegative)
        }
        if isInfinity(c) { return c }
        if isZero(a) || isZero(b) {
            if isZero(c) { return sc == productNegative ? c : zero(rounding == .down) }
            return c
        }
        let (ea, ma) = unpack(a), (eb, mb) = unpack(b)
        var p = UInt128(ma) * UInt128(mb)
        var ep = ea + eb
        if isZero(c) {
            let (sig, adjust) = SoftFloat.collapse(p)
            return roundPack(negative: productNegative, exponent: ep + adjust, significand: sig)
        }
        var (ec, mc) = unpack(c)
        var m = UInt128(mc)
        // Leading bits at 125 leave room for a carry.
        let lp = p.leadingZeroBitCount - 2, lc = m.leadingZeroBitCount - 2
        p <<= lp; ep -= lp
        m <<= lc; ec -= lc
        var signP = productNegative, signC = sc
        if ep < ec || (ep == ec && p < m) {
            swap(&p, &m); swap(&ep, &ec); swap(&signP, &signC)
        }
        m = SoftFloat.shiftRightJam(m, ep - ec)
        let s = signP == signC ? p + m : p - m
        if s == 0 { return zero(rounding == .down) }
        let (sig, adjust) = SoftFloat.collapse(s)
        return roundPack(negative: signP, exponent: ep + adjust, significand: sig)
    }

    // MARK: Conversions

    /// Converts to an integer of `bits` (32 or 64) with RISC-V's saturation rules; 32-bit results are sign-extended.
    public mutating func toInteger(_ a: UInt64, signed: Bool, bits: Int) -> UInt64 {
        let maxValue: UInt64 = signed ? (1 << UInt64(bits - 1)) - 1 : (bits == 64 ? .max : (1 << UInt64(bits)) - 1)
        let minMagnitude: UInt64 = signed ? 1 << UInt64(bits - 1) : 0  // magnitude of the most negative value
        func finish(_ v: UInt64) -> UInt64 {
            bits == 32 ? UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v))) : v
        }
        let minValue: UInt64 = signed ? 0 &- minMagnitude : 0
        if isNaN(a) {
            flags |= FloatFlag.invalid
            return finish(maxValue)
        }
        let negative = sign(a)
        if isInfinity(a) {
            flags |= FloatFlag.invalid
            return finish(negative ? minValue : maxValue)
        }
        if isZero(a) { return 0 }
        let (e, m) = unpack(a)
        var magnitude: UInt64
        var inexact = false
        var tooLarge = false
        if e >= 0 {
            if 64 - m.leadingZeroBitCount + e > 64 { tooLarge = true; magnitude = 0 } else { magnitude = m << UInt64(e) }
        } else {
            (magnitude, inexact) = roundSignificand(m, drop: -e, negative: negative)
        }
        if negative {
            if tooLarge || magnitude > minMagnitude || (!signed && magnitude != 0) {
                flags |= FloatFlag.invalid
                return finish(minValue)
            }
        } else if tooLarge || magnitude > maxValue {
            flags |= FloatFlag.invalid
            return finish(maxValue)
        }
        if inexact { flags |= FloatFlag.inexact }
        return finish(negative ? 0 &- magnitude : magnitude)
    }

    /// Converts an integer (low `bits` of `value`) to this format.
    public mutating func fromInteger(_ value: UInt64, signed: Bool, bits: Int) -> UInt64 {
        var magnitude: UInt64
        var negative = false
        if bits == 32 {
            let v = UInt32(truncatingIfNeeded: value)
            if signed && Int32(bitPattern: v) < 0 {
                negative = true
                magnitude = UInt64(0 &- v)
            } else {
                magnitude = UInt64(v)
            }
        } else if signed && Int64(bitPattern: value) < 0 {
            negative = true
            magnitude = 0 &- value
        } else {
            magnitude = value
        }
        if magnitude == 0 { return 0 }
        return roundPack(negative: negative, exponent: 0, significand: magnitude)
    }

    /// Converts a value of `source` format to this format.
    public mutating func convert(_ a: UInt64, from source: FloatFormat) -> UInt64 {
        let s = SoftFloat(source)
        if s.isNaN(a) {
            if s.isSignalingNaN(a) { flags |= FloatFlag.invalid }
            return format.canonicalNaN
        }
        let negative = s.sign(a)
        if s.isInfinity(a) { return infinity(negative) }
        if s.isZero(a) { return zero(negative) }
        let (e, m) = s.unpack(a)
        return roundPack(negative: negative, exponent: e, significand: m)
    }

    // MARK: Comparisons

    /// An unsigned key that orders non-NaN values numerically, with -0 below +0.
    func orderKey(_ a: UInt64) -> UInt64 {
        let mask = format.signBit | (format.signBit - 1)
        return sign(a) ? ~a & mask : a | format.signBit
    }

    public mutating func equal(_ a: UInt64, _ b: UInt64) -> Bool {
        if isNaN(a) || isNaN(b) {
            if isSignalingNaN(a) || isSignalingNaN(b) { flags |= FloatFlag.invalid }
            return false
        }
        return a == b || (isZero(a) && isZero(b))
    }

    public mutating func less(_ a: UInt64, _ b: UInt64) -> Bool {
        if isNaN(a) || isNaN(b) { flags |= FloatFlag.invalid; return false }
        if isZero(a) && isZero(b) { return false }
        return orderKey(a) < orderKey(b)
    }

    public mutating func lessOrEqual(_ a: UInt64, _ b: UInt64) -> Bool {
        if isNaN(a) || isNaN(b) { flags |= FloatFlag.invalid; return false }
        if isZero(a) && isZero(b) { return true }
        return orderKey(a) <= orderKey(b)
    }

    /// `fmin`/`fmax` (IEEE 754-2019 minimumNumber/maximumNumber, with -0 < +0).
    public mutating func minMax(_ a: UInt64, _ b: UInt64, maximum: Bool) -> UInt64 {
        if isSignalingNaN(a) || isSignalingNaN(b) { flags |= FloatFlag.invalid }
        if isNaN(a) && isNaN(b) { return format.canonicalNaN }
        if isNaN(a) { return b }
        if isNaN(b) { return a }
        let aFirst = orderKey(a) < orderKey(b)
        return aFirst != maximum ? a : b
    }

    /// The 10-bit `fclass` mask.
    public func classify(_ a: UInt64) -> UInt64 {
        let negative = sign(a)
        if isNaN(a) { return isSignalingNaN(a) ? 1 << 8 : 1 << 9 }
        if isInfinity(a) { return negative ? 1 << 0 : 1 << 7 }
        if isZero(a) { return negative ? 1 << 3 : 1 << 4 }
        if exponentField(a) == 0 { return negative ? 1 << 2 : 1 << 5 }
        return negative ? 1 << 1 : 1 << 6
    }
}
