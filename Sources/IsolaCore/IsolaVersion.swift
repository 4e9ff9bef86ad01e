/// Isola's version: what `isola --version` prints and `/metrics` reports as
/// `isola_build_info{version}`. Bumped with each release of the project.
public enum IsolaVersion {
    public static let current = "0.14.0"
}
