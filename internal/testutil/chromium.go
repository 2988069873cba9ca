package testutil

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// Chromium runs Debian's chromium headless on a local file with the given
// mode flags (e.g. --dump-dom, --screenshot=PATH) and returns its stdout.
// It skips when chromium is absent (fails in CI).
func Chromium(t testing.TB, file string, mode ...string) []byte {
	t.Helper()
	bin := NeedTool(t, "chromium", "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(),
	}, mode...)
	args = append(args, "file://"+file)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		l := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if len(l) > 10 {
			l = l[len(l)-10:]
		}
		t.Fatalf("chromium %v: %v\n%s", mode, err, strings.Join(l, "\n"))
	}
	return stdout.Bytes()
}

// DOMText is the text of every text node under n, in document order.
func DOMText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
