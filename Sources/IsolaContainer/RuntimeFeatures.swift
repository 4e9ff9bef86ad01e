/// What `isola-runtime features` reports (runtime-spec features.md): the spec
/// versions, the hooks it runs, and the Linux namespaces it honours (a container's
/// isolation is its VM; of the namespaces only a network namespace path is used).
public enum RuntimeFeatures {
    public static let json: [UInt8] = Array("""
        {
          "ociVersionMin": "1.0.0",
          "ociVersionMax": "\(ContainerRecord.ociVersion)",
          "hooks": ["prestart", "createRuntime", "poststart", "poststop"],
          "mountOptions": [],
          "linux": {
            "namespaces": ["network"],
            "capabilities": [],
            "cgroup": {"v1": false, "v2": false, "systemd": false, "systemdUser": false},
            "seccomp": {"enabled": false},
            "apparmor": {"enabled": false},
            "selinux": {"enabled": false}
          },
          "annotations": {
            "io.isola.vm": "every container is a virtual machine",
            "io.isola.memory": "the VM's memory, e.g. 512M",
            "io.isola.cpus": "the VM's vCPUs",
            "io.isola.kernel": "the guest kernel Image",
            "io.isola.initrd": "the container init's initramfs",
            "io.isola.engine": "jit or interpreter"
          }
        }

        """.utf8)
}
