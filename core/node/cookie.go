package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stratapool/strata/core/chain"
)

// DefaultCookieFile is where Bitcoin Core writes the cookie for a network
// with its default data directory: ~/.bitcoin/.cookie on mainnet,
// ~/.bitcoin/<network>/.cookie otherwise.
func DefaultCookieFile(n chain.Network) string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".bitcoin", n.DataSubdir(), ".cookie")
}

// ReadCookie reads a cookie file: one line "user:password".
func ReadCookie(path string) (user, pass string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("%w: cookie file: %v", ErrNoCredentials, err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	user, pass, ok := strings.Cut(strings.TrimSpace(line), ":")
	if !ok || user == "" || pass == "" {
		return "", "", fmt.Errorf("%w: cookie file %s is not \"user:password\"", ErrNoCredentials, path)
	}
	return user, pass, nil
}
