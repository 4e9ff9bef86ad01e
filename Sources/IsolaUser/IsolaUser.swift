/// The process VM (issue 5): runs a riscv64 Linux program as a host process,
/// its instructions interpreted by the `IsolaRISCV` hart in U-mode and its
/// system calls translated to the host's.
public enum ProcessVM {}
