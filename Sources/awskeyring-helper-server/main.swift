import CredentialServer
import ProcessControl

#if canImport(Glibc)
    import Glibc
#endif

// `exec --server` and `login`'s browser redirect, started by awskeyring-helper (see ServerCommands). The
// guard comes first, as in the other programs: this one holds the credentials it serves and asks for
// MFA codes.
ProcessGuard.forbidCoreDumps()
exit(ServerCommands.main(Array(CommandLine.arguments.dropFirst())))
