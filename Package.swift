// swift-tools-version:6.0
import PackageDescription

// libsecret's headers. They are named here rather than through pkg-config, whose link flags would make
// every start of the program load libsecret and GLib; CSecretLoader loads them when the keyring is used.
#if arch(arm64)
    let multiarch = "aarch64-linux-gnu"
#else
    let multiarch = "x86_64-linux-gnu"
#endif
let libsecretHeaders = [
    "/usr/include/libsecret-1", "/usr/include/glib-2.0", "/usr/lib/\(multiarch)/glib-2.0/include",
]

let package = Package(
    name: "awskeyring-helper",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "awskeyring-helper", targets: ["awskeyring-helper"]),
        .executable(name: "awskeyring-helper-server", targets: ["awskeyring-helper-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libsecret, the freedesktop Secret Service client library, as a system library.
        .systemLibrary(
            name: "CLibSecret",
            providers: [.apt(["libsecret-1-dev"])]
        ),
        // One HTTP exchange through libcurl, loaded on first use (libcurl's option setter is variadic).
        .target(
            name: "CCurlShim",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // libsecret's functions, loaded with dlopen on first use (headers and types from CLibSecret).
        .target(
            name: "CSecretLoader",
            dependencies: ["CLibSecret"],
            cSettings: [.unsafeFlags(libsecretHeaders.map { "-I" + $0 })],
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // A Secret Service client over sd-bus, loaded with dlopen on first use: reads items in a few
        // milliseconds where libsecret and GLib take several times as long to start.
        .target(
            name: "CSecretBus",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // add_key/keyctl for the kernel keyring tier (syscall() is variadic).
        .target(name: "CKernelKeyring"),
        // The Swift face of the Secret Service and the kernel keyring: no C type leaves this target.
        .target(
            name: "Keyring",
            dependencies: ["CLibSecret", "CSecretLoader", "CSecretBus", "CKernelKeyring"],
            swiftSettings: [.unsafeFlags(libsecretHeaders.flatMap { ["-Xcc", "-I" + $0] })]
        ),
        // Everything the tool does: config files, credential resolution, output.
        .target(
            name: "AwskeyringCore",
            dependencies: [
                "Keyring",
                "CCurlShim",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `exec --server`'s credentials endpoint and `login`'s browser redirect on 127.0.0.1 (SwiftNIO),
        // and the child process they serve.
        .target(
            name: "CredentialServer",
            dependencies: [
                "AwskeyringCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The program awskeyring-helper becomes for those two commands: linked into awskeyring-helper,
        // SwiftNIO made every credential_process start slower (more symbols to relocate and look up).
        .executableTarget(
            name: "awskeyring-helper-server",
            dependencies: ["CredentialServer"],
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-Xlinker", "-l_FoundationCShims", "-Xlinker",
                        "-l_FoundationCollections", "-Xlinker", "-lswiftSynchronization",
                    ],
                    .when(platforms: [.linux]))
            ]
        ),
        // Argument parsing only; the work is in AwskeyringCore.
        .executableTarget(
            name: "awskeyring-helper",
            dependencies: [
                "AwskeyringCore",
                "Keyring",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The Swift runtime linked in, and relative relocations packed (RELR, lld): every SDK call
            // starts this program, and loading and relocating code is most of a cached call's cost.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-Xlinker", "-l_FoundationCShims", "-Xlinker",
                        "-l_FoundationCollections",
                        "-Xlinker", "-lswiftSynchronization",
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    ],
                    .when(platforms: [.linux]))
            ]
        ),
        .testTarget(name: "AwskeyringCoreTests", dependencies: ["AwskeyringCore", "Keyring"]),
        .testTarget(name: "CredentialServerTests", dependencies: ["CredentialServer", "AwskeyringCore"]),
        .testTarget(
            name: "KeyringTests", dependencies: ["Keyring"],
            swiftSettings: [.unsafeFlags(libsecretHeaders.flatMap { ["-Xcc", "-I" + $0] })]
        ),
    ]
)
