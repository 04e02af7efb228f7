import CBLAS
import Foundation

/// OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels from the CPU model when the library loads.
/// 0.3.21 (Debian 12) does not know newer Xeons and falls back to its generic Prescott (SSE3) kernels: sgemm
/// ran at ~20 GFLOP/s instead of ~190 on this project's machines. A process that finds itself on the generic
/// kernels re-executes itself once with OPENBLAS_CORETYPE naming the best family the CPU flags support.
public enum BlasCore {
    /// The kernel family OpenBLAS is using in this process ("Prescott", "Haswell", "SkylakeX", …).
    public static var name: String { String(cString: openblas_get_corename()) }

    /// The OpenBLAS core type the CPU's feature flags support, best first; nil when none beats the generic one.
    public static func preferredCoreType(cpuFlags f: Set<String>) -> String? {
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(f.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(f.contains) { return "Haswell" }
        return nil
    }

    /// Flags of the first CPU in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let line = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Re-executes this process with OPENBLAS_CORETYPE set when OpenBLAS chose its generic kernels and the CPU
    /// supports better ones. Never when the user set OPENBLAS_CORETYPE; on exec failure it carries on.
    public static func reexecIfGeneric() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, name == "Prescott",
              let core = preferredCoreType(cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
