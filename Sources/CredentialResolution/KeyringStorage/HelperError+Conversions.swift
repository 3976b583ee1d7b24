import AWSConfigFile
import HelperSupport
import Keyring

/// The tool's error for the lower layers' own errors (the keyring's and the config files'), which
/// HelperSupport cannot name.
extension HelperError {
    package init(_ error: KeyringError) {
        self.init(error.description)
    }

    package init(_ error: ConfigFileError) {
        self.init("cannot use \(error.description)")
    }
}
