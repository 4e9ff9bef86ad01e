#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The C library's functions whose names Isola's own types shadow (a socket's `listen`,
// an output's `write`, `HostProcess.exit`). At file scope here nothing shadows them,
// so each is named once for Linux and Darwin alike, and no other file has to spell
// out which C library it is built against.

func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { listen(fd, backlog) }
func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { connect(fd, address, length) }
func systemAccept(_ fd: Int32) -> Int32 { accept(fd, nil, nil) }
func systemShutdown(_ fd: Int32, _ how: Int32) -> Int32 { shutdown(fd, how) }
func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
func systemExit(_ status: Int32) -> Never { exit(status) }
let systemKillSignal: Int32 = SIGKILL
