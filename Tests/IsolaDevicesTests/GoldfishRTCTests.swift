import Foundation
import IsolaCore
import IsolaDevices
import Testing

/// The Goldfish RTC as Linux's rtc-goldfish drives it: the time in two halves, a time
/// set high half first, an alarm that raises the line, and its state across a snapshot.
@Suite struct GoldfishRTCTests {
    final class Clock: @unchecked Sendable {
        var now: UInt64 = 1_796_000_000_000_000_000  // late 2026, in nanoseconds
    }

    func time(_ rtc: GoldfishRTC) -> UInt64 {
        let low = rtc.read(offset: 0x00, size: 4)
        return rtc.read(offset: 0x04, size: 4) << 32 | low
    }

    @Test func readsTheHostsWallClockInTwoHalves() {
        let clock = Clock()
        let rtc = GoldfishRTC(interrupt: Line(), wallClock: { clock.now })
        #expect(time(rtc) == clock.now)
        let low = rtc.read(offset: 0x00, size: 4)
        clock.now += 1 << 32  // the high half moves between the two reads
        #expect(rtc.read(offset: 0x04, size: 4) << 32 | low == clock.now - (1 << 32), "the high half is latched by the low read")
    }

    @Test func settingTheTimeKeepsItRunningWithTheHost() {
        let clock = Clock()
        let rtc = GoldfishRTC(interrupt: Line(), wallClock: { clock.now })
        let wanted: UInt64 = 946_684_800_000_000_000  // 2000-01-01
        rtc.write(offset: 0x04, size: 4, value: wanted >> 32)
        rtc.write(offset: 0x00, size: 4, value: wanted & 0xFFFF_FFFF)
        #expect(time(rtc) == wanted)
        clock.now += 5_000_000_000
        #expect(time(rtc) == wanted + 5_000_000_000)
    }

    @Test func anAlarmInThePastFiresAtOnceAndTheLineFollowsEnableAndClear() {
        let clock = Clock()
        let line = Line()
        let rtc = GoldfishRTC(interrupt: line, wallClock: { clock.now })
        rtc.write(offset: 0x10, size: 4, value: 1)
        let at = clock.now - 1
        rtc.write(offset: 0x0C, size: 4, value: at >> 32)
        rtc.write(offset: 0x08, size: 4, value: at & 0xFFFF_FFFF)
        #expect(line.level && rtc.read(offset: 0x18, size: 4) == 0, "fired, no longer armed")
        #expect(rtc.read(offset: 0x0C, size: 4) << 32 | rtc.read(offset: 0x08, size: 4) == at)
        rtc.write(offset: 0x10, size: 4, value: 0)
        #expect(!line.level, "disabled, the line drops")
        rtc.write(offset: 0x10, size: 4, value: 1)
        #expect(line.level, "still pending")
        rtc.write(offset: 0x1C, size: 4, value: 1)
        #expect(!line.level, "cleared")
    }

    @Test func aFutureAlarmWaitsAndCanBeDisarmed() throws {
        let line = Line()
        let rtc = GoldfishRTC(interrupt: line)  // the host's own clock
        rtc.write(offset: 0x10, size: 4, value: 1)
        let soon = rtc.nanoseconds + 200_000_000
        rtc.write(offset: 0x0C, size: 4, value: soon >> 32)
        rtc.write(offset: 0x08, size: 4, value: soon & 0xFFFF_FFFF)
        #expect(rtc.read(offset: 0x18, size: 4) == 1 && !line.level)
        var waited = 0
        while !line.level && waited < 300 { usleep(10_000); waited += 1 }
        #expect(line.level, "the alarm did not fire within 3 s")
        rtc.write(offset: 0x1C, size: 4, value: 1)
        let later = rtc.nanoseconds + 200_000_000
        rtc.write(offset: 0x0C, size: 4, value: later >> 32)
        rtc.write(offset: 0x08, size: 4, value: later & 0xFFFF_FFFF)
        rtc.write(offset: 0x14, size: 4, value: 1)
        usleep(400_000)
        #expect(!line.level && rtc.read(offset: 0x18, size: 4) == 0, "a disarmed alarm fired")
    }

    @Test func theOffsetAndAlarmSurviveASnapshot() throws {
        let clock = Clock()
        let rtc = GoldfishRTC(interrupt: Line(), wallClock: { clock.now })
        rtc.write(offset: 0x04, size: 4, value: 0)
        rtc.write(offset: 0x00, size: 4, value: 12345)
        rtc.write(offset: 0x10, size: 4, value: 1)
        var out = SnapshotWriter()
        rtc.saveState(into: &out)
        let copy = GoldfishRTC(interrupt: Line(), wallClock: { clock.now })
        var input = SnapshotReader(out.bytes, what: "rtc")
        try copy.restoreState(from: &input)
        try input.finish()
        #expect(time(copy) == 12345 && copy.read(offset: 0x10, size: 4) == 1)
        copy.setBack(by: 45)
        #expect(time(copy) == 12300)
        var bad = SnapshotReader([2, 0, 0, 0], what: "rtc")
        #expect(throws: SnapshotError.self) { try copy.restoreState(from: &bad) }
    }
}
