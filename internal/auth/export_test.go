package auth

// CommonPasswordCount is how many common passwords the binary ships.
func CommonPasswordCount() int { return len(commonPasswords()) }
