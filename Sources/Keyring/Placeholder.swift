public enum KeyringPlaceholder {}
