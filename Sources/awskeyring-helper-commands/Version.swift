/// The tool's version, in one place: `--version` prints it, `scripts/version.sh` reads it from this line
/// for the man page and the Debian package. Keep it on one line, as `let toolVersion = "X.Y.Z"`.
let toolVersion = "0.1.0"
