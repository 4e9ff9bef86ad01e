#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's functions whose names Isola's own types shadow (a socket's
/// `listen`, an output's `write`), under one name on Linux and on Darwin, so no other
/// file spells out which C library it is built against.
enum Libc {
    #if canImport(Glibc)
    static func listen(_ fd: Int32, _ backlog: Int32) -> Int32 { Glibc.listen(fd, backlog) }
    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Glibc.connect(fd, address, length) }
    static func accept(_ fd: Int32) -> Int32 { Glibc.accept(fd, nil, nil) }
    static func shutdown(_ fd: Int32, _ how: Int32) -> Int32 { Glibc.shutdown(fd, how) }
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Glibc.write(fd, buffer, count) }
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
    static func exit(_ status: Int32) -> Never { Glibc.exit(status) }
    static let SIGKILL = Glibc.SIGKILL
    #elseif canImport(Darwin)
    static func listen(_ fd: Int32, _ backlog: Int32) -> Int32 { Darwin.listen(fd, backlog) }
    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Darwin.connect(fd, address, length) }
    static func accept(_ fd: Int32) -> Int32 { Darwin.accept(fd, nil, nil) }
    static func shutdown(_ fd: Int32, _ how: Int32) -> Int32 { Darwin.shutdown(fd, how) }
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Darwin.write(fd, buffer, count) }
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
    static func exit(_ status: Int32) -> Never { Darwin.exit(status) }
    static let SIGKILL = Darwin.SIGKILL
    #endif
}
