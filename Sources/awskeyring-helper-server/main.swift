import CredentialServer

#if canImport(Glibc)
    import Glibc
#endif

// `exec --server` and `login`'s browser redirect, started by awskeyring-helper (see ServerCommands).
exit(ServerCommands.main(Array(CommandLine.arguments.dropFirst())))
