// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "awskeyring-helper",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "awskeyring-helper", targets: ["awskeyring-helper"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // libsecret, the freedesktop Secret Service client library, as a system library.
        .systemLibrary(
            name: "CLibSecret",
            pkgConfig: "libsecret-1",
            providers: [.apt(["libsecret-1-dev"])]
        ),
        // One HTTP exchange through libcurl, loaded on first use (libcurl's option setter is variadic).
        .target(
            name: "CCurlShim",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // The Swift face of the Secret Service: no C type leaves this target.
        .target(
            name: "Keyring",
            dependencies: ["CLibSecret"]
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
        // Argument parsing only; the work is in AwskeyringCore.
        .executableTarget(
            name: "awskeyring-helper",
            dependencies: [
                "AwskeyringCore",
                "Keyring",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "AwskeyringCoreTests", dependencies: ["AwskeyringCore"]),
        .testTarget(name: "KeyringTests", dependencies: ["Keyring"]),
    ]
)
