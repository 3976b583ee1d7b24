import Testing

@testable import HelperCommands
@testable import SystemAccess

/// The provider's version comes from dpkg-query (lintian forbids reading dpkg's database directly).
@Suite struct DoctorProviderTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    @Test func anInstalledPackageHasItsVersionAndAnyOtherNone() {
        let dpkg = DoctorChecks.debianVersion(of: "dpkg", environment: Self.environment, clock: SystemClock())
        #expect(dpkg?.first?.isNumber == true)
        #expect(dpkg?.contains(where: \.isWhitespace) == false)
        #expect(
            DoctorChecks.debianVersion(
                of: "no-such-package-here", environment: Self.environment, clock: SystemClock())
                == nil)
        #expect(
            DoctorChecks.debianVersion(of: "dpkg", environment: ["PATH": "/nowhere"], clock: SystemClock())
                == nil)
    }
}
