import ArgumentParser

@main
struct Isola: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isola",
        abstract: "A virtualization system: RISC-V virtual machines emulated in Swift.",
        subcommands: [Run.self]
    )
}
