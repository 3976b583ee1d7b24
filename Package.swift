// swift-tools-version:6.0
import PackageDescription

// Linux only: the keyring is the freedesktop Secret Service (libsecret over D-Bus) with the Linux kernel
// keyring as a cache, and the processes, locks and terminals are handled through Linux system calls.
// `platforms` lists Apple systems only, so it is left out.

// The release binary, which every SDK call starts: the Swift runtime linked in, and relative relocations
// packed (RELR, lld), since loading and relocating code is most of a cached call's cost. The
// toolchain-internal libraries are the ones the static FoundationEssentials needs (JSON reading and
// the argument parser import it); debug and test builds link the runtime dynamically and need none of this.
// --no-export-dynamic: -static-stdlib exports every symbol of our own objects, which also keeps all of
// them from being garbage-collected; nothing loads this program as a library, so none is exported.
// -z now: the few hundred imports from libc are bound at start and the table holding them is then
// read-only (full RELRO), for a program that holds secrets; it costs microseconds.
// -L Linker/StaticLibstdcxx: the runtime's C++ library linked in as well (see the linker script there):
// binding the shared libstdc++ cost more instructions than the rest of the dynamic linking together.
let releaseLinkerFlags: [String] = [
    "-static-stdlib", "-L", Context.packageDirectory + "/Linker/StaticLibstdcxx",
    "-Xlinker", "-l_FoundationCShims", "-Xlinker", "-l_FoundationCollections",
    "-Xlinker", "-lswiftSynchronization",
    "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
    "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker", "now",
]

let package = Package(
    name: "awskeyring-helper",
    products: [
        .executable(name: "awskeyring-helper", targets: ["awskeyring-helper"]),
        .executable(name: "awskeyring-helper-commands", targets: ["awskeyring-helper-commands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // One HTTP exchange through libcurl, loaded on first use (libcurl's option setter is variadic).
        .target(
            name: "CCurlShim",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // libsecret's functions, loaded with dlopen on first use. Its header declares the few GLib and
        // libsecret types it needs, so no target needs their headers (scripts/check-loaders.sh
        // compares those declarations with the real ones).
        .target(
            name: "CSecretLoader",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // A Secret Service client over sd-bus, loaded with dlopen on first use: reads items in a few
        // milliseconds where libsecret and GLib take several times as long to start.
        .target(
            name: "CSecretBus",
            dependencies: ["CDigest"],
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // SHA-256 (libmd, linked in: every call hashes its cache keys) and HMAC-SHA-256 for SigV4 (OpenSSL's
        // libcrypto, loaded with dlopen on first use, as libcurl loads it for the same requests). A
        // Swift crypto library would bring FoundationEssentials' start-up cost to every call.
        .target(
            name: "CDigest",
            linkerSettings: [.linkedLibrary("dl"), .unsafeFlags(["-Xlinker", "-l:libmd.a"])]
        ),
        // add_key/keyctl for the kernel keyring tier (syscall() is variadic).
        .target(name: "CKernelKeyring"),
        // prctl(PR_SET_DUMPABLE) and RLIMIT_CORE: no core file or /proc/PID/mem holds a secret (prctl is
        // variadic); and starting programs with fork and execve, so that the child closes every
        // descriptor above 2 before it runs anything (posix_spawn's way to do that is not visible to
        // Swift).
        .target(name: "CProcessGuard"),
        // The layers, bottom to top; each may import only the targets below it that it depends on
        // (docs/design.md, "Layout").
        //
        // The Swift face of the Secret Service and the kernel keyring: no C type leaves this target.
        .target(
            name: "Keyring",
            dependencies: ["CSecretLoader", "CSecretBus", "CKernelKeyring"]
        ),
        // Text formats and the text work every layer does: ASCII text, RFC 3339 timestamps, JSON values
        // and the JSONDecoding protocol, shell quoting, "did you mean" name suggestions. Depends on
        // nothing; pure Swift, so the fuzzers build it with swiftc.
        .target(name: "TextFormats"),
        // The process's own access to the system: the environment, stderr and stdout, the clock, the
        // running program's path, and replacing a file in place (FileError).
        .target(name: "SystemAccess", dependencies: ["TextFormats"]),
        // The credential values: the credentials an SDK signs with (and their credential_process
        // document), and the long-lived keys `store` keeps, with the checks of their shape.
        .target(name: "CredentialValues", dependencies: ["TextFormats"]),
        // The one way programs are started, replaced, waited for and sent signals (each child gets only
        // descriptors 0-2), the process guard, commands whose output is collected (mfa_process,
        // credential_process), and the hand-over to awskeyring-helper-commands (CompanionProgram).
        .target(name: "ProcessControl", dependencies: ["TextFormats", "SystemAccess", "CProcessGuard"]),
        // The controlling terminal (/dev/tty): prompts with and without echo, each within a time limit, and
        // the Terminal protocol the prompts are written against (tests script one).
        .target(name: "TerminalAccess", dependencies: ["TextFormats", "SystemAccess"]),
        // ~/.aws/config and ~/.aws/credentials as botocore reads them (Python's configparser and shlex
        // rules), and the edits the tool makes to them. Depends on nothing: scripts/fuzz.sh builds it alone.
        .target(name: "AWSConfigFile"),
        // The XML reader, the STS response reader on it and the AWS service error it reads from error
        // documents (no crypto, no transport: scripts/fuzz.sh builds it with the pure Swift targets below it).
        .target(name: "AWSXML", dependencies: ["TextFormats", "CredentialValues"]),
        // One signed AWS Query call: SigV4, endpoint URLs, the libcurl transport, retries, and the STS and
        // IAM clients with their settings from the config file.
        .target(
            name: "AWSQuery",
            dependencies: [
                "TextFormats",
                "SystemAccess",
                "CredentialValues",
                "AWSXML",
                "AWSConfigFile",
                "CCurlShim",
                "CDigest",
            ]
        ),
        // The tool's items in the Secret Service: how stored keys and cached sessions are laid out in them
        // (attributes, labels, the secrets' text), and storing, reading and deleting them.
        .target(
            name: "KeyringItems",
            dependencies: ["TextFormats", "SystemAccess", "CredentialValues", "Keyring"]
        ),
        // From a profile name to credentials: which profile (ProfileSelection), the resolver and its plan,
        // the provider and the credential sources, the session cache and its lock, MFA prompts, the
        // output documents.
        .target(
            name: "CredentialResolution",
            dependencies: [
                "TextFormats",
                "SystemAccess",
                "CredentialValues",
                "AWSXML",
                "AWSConfigFile",
                "AWSQuery",
                "Keyring",
                "KeyringItems",
                "ProcessControl",
                "TerminalAccess",
            ]
        ),
        // JSONDecoding by FoundationEssentials' JSONDecoder: linked into the programs that run commands and
        // credential sources, not into the one that answers cached calls.
        .target(name: "FoundationJSON", dependencies: ["TextFormats"]),
        // What each command does beyond resolving credentials (store, remove, list, unlock, lock, explain,
        // doctor, console sign-in, import, rotate, clear), and CommandContext, the one place the parts
        // every command uses are put together.
        .target(
            name: "HelperCommands",
            dependencies: [
                "TextFormats",
                "SystemAccess",
                "CredentialValues",
                "AWSConfigFile",
                "AWSQuery",
                "AWSXML",
                "CredentialResolution",
                "FoundationJSON",
                "Keyring",
                "KeyringItems",
                "ProcessControl",
                "TerminalAccess",
            ]
        ),
        // `exec --server`'s credentials endpoint and `login`'s browser redirect on 127.0.0.1 (SwiftNIO),
        // and the child process they serve; linked into awskeyring-helper-commands, never into the
        // program every SDK call starts.
        .target(
            name: "CredentialServer",
            dependencies: [
                "HelperCommands",
                "CredentialResolution",
                "AWSConfigFile",
                "TextFormats",
                "SystemAccess",
                "CredentialValues",
                "ProcessControl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The program credential_process runs: answers a plain call when the keyring alone has the
        // credentials, and becomes awskeyring-helper-commands (installed beside it) for everything else.
        // It links neither the argument parser nor FoundationEssentials (whose start-up, with the Swift
        // concurrency runtime and libdispatch they bring, was about a tenth of a cached call).
        .executableTarget(
            name: "awskeyring-helper",
            dependencies: [
                "CredentialResolution", "AWSConfigFile", "AWSQuery", "Keyring", "KeyringItems", "TextFormats",
                "SystemAccess", "ProcessControl",
            ],
            linkerSettings: [
                .unsafeFlags(releaseLinkerFlags, .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // Every command, the credential calls the keyring alone cannot answer, and (in a new start of
        // itself) exec --server's endpoint and login's redirect. Argument parsing and rendering only: every
        // command gets its work from HelperCommands' CommandContext (the one place the keyring,
        // transport, clock, terminal and environment are put together), so the program needs neither
        // Keyring nor AWSQuery.
        .executableTarget(
            name: "awskeyring-helper-commands",
            dependencies: [
                "HelperCommands",
                "CredentialResolution",
                "CredentialServer",
                "AWSConfigFile",
                "TextFormats",
                "SystemAccess",
                "ProcessControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: [
                .unsafeFlags(releaseLinkerFlags, .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // Test doubles shared by the unit tests: a scripted HTTP transport and terminal, a keyring in
        // memory, config files from text. A plain target (tests cannot import test targets), so its
        // declarations are `package`.
        .target(
            name: "TestSupport",
            dependencies: [
                "TextFormats", "SystemAccess", "CredentialValues", "AWSConfigFile", "AWSQuery",
                "CredentialResolution", "FoundationJSON", "Keyring", "KeyringItems", "TerminalAccess",
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "TextFormatsTests", dependencies: ["TextFormats", "CredentialValues"]),
        // AWSConfigFile only to read back the files the tests write.
        .testTarget(
            name: "SystemAccessTests", dependencies: ["SystemAccess", "TextFormats", "AWSConfigFile"]),
        .testTarget(name: "CredentialValuesTests", dependencies: ["CredentialValues"]),
        .testTarget(
            name: "ProcessControlTests",
            dependencies: ["ProcessControl", "TextFormats", "SystemAccess", "AWSConfigFile"]
        ),
        .testTarget(name: "AWSConfigFileTests", dependencies: ["AWSConfigFile"]),
        .testTarget(name: "AWSXMLTests", dependencies: ["AWSXML", "TextFormats", "CredentialValues"]),
        .testTarget(
            name: "AWSQueryTests",
            dependencies: [
                "AWSQuery", "AWSXML", "AWSConfigFile", "TextFormats", "CredentialValues", "TestSupport",
            ]
        ),
        .testTarget(
            name: "CredentialResolutionTests",
            dependencies: [
                "CredentialResolution", "AWSQuery", "AWSConfigFile", "FoundationJSON", "SystemAccess",
                "CredentialValues", "Keyring", "KeyringItems", "ProcessControl", "TestSupport",
            ]
        ),
        .testTarget(
            name: "HelperCommandsTests",
            dependencies: [
                "HelperCommands", "CredentialResolution", "AWSQuery", "AWSConfigFile", "FoundationJSON",
                "TextFormats", "SystemAccess", "CredentialValues", "Keyring", "KeyringItems",
                "TerminalAccess",
                "TestSupport",
            ]
        ),
        .testTarget(
            name: "CredentialServerTests",
            dependencies: [
                "CredentialServer", "AWSConfigFile", "SystemAccess", "CredentialValues", "ProcessControl",
                "TestSupport",
            ]
        ),
        .testTarget(name: "KeyringTests", dependencies: ["Keyring", "TestSupport"]),
        .testTarget(
            name: "KeyringItemsTests",
            dependencies: ["KeyringItems", "CredentialValues", "FoundationJSON", "TestSupport"]
        ),
    ]
)
