package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/probes/har"
	"github.com/ceping/ceping/probes/pcap"
	"github.com/ceping/ceping/session"
)

// captureKind names what a file holds, by its first bytes.
func captureKind(head []byte) string {
	if len(head) >= 4 {
		switch string(head[:4]) {
		case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d":
			return "pcap"
		case "\x0a\x0d\x0d\x0a":
			return "pcapng"
		}
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		return "gzip" // a gzipped capture; probes/pcap reads those
	}
	if har.IsHAR(head) {
		return "har"
	}
	return ""
}

func init() {
	var dir string
	cmd := &cobra.Command{
		Use:   "import --session DIR FILE...",
		Short: "import captures into a session: HAR (Chrome, Firefox, Charles, Fiddler, mitmproxy), pcap/pcapng",
		Long: `Import captures made elsewhere into a session. The format is detected from
the content, not the name: HAR 1.2 files become flows (source "har");
pcap and pcapng captures (also gzipped) give connections, DNS answers and
the plain-HTTP flows (source "pcap"). Each file is stored in one transaction.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return &exitError{code: 2, msg: "import: --session is required"}
			}
			st, err := session.Open(dir)
			if err != nil {
				return err
			}
			defer st.Close()
			out := cmd.OutOrStdout()
			for _, path := range args {
				if err := importFile(st, path, out); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "session", "", "session folder")
	rootCmd.AddCommand(cmd)
}

func importFile(st *session.Store, path string, out interface{ Write([]byte) (int, error) }) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := f.Read(head)
	head = head[:n]
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	switch kind := captureKind(head); kind {
	case "har":
		flows, err := har.Read(f, path)
		if err != nil {
			return err
		}
		if err := st.AddFlows(flows); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintf(out, "%s: HAR, %d flows imported\n", path, len(flows))
	case "pcap", "pcapng", "gzip":
		res, err := pcap.Read(f, path)
		if err != nil {
			return err
		}
		for _, w := range res.Warnings {
			log.Warnf("%s: %s", path, w)
		}
		if err := st.AddConns(res.Conns); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := st.AddDNS(res.DNS); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := st.AddFlows(res.Flows); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		partial := ""
		if res.Partial {
			partial = " (damaged file: only what came before the damage)"
		}
		fmt.Fprintf(out, "%s: %s, %d packets: %d connections, %d DNS answers, %d HTTP flows imported%s\n",
			path, kind, res.Packets, len(res.Conns), len(res.DNS), len(res.Flows), partial)
	default:
		desc := "empty file"
		if len(head) > 0 {
			desc = fmt.Sprintf("starts with % x", head[:min(len(head), 8)])
		}
		if bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")) {
			desc = `a JSON object without "log"`
		}
		return &exitError{code: 2, msg: fmt.Sprintf("import: %s: unknown format (%s); want HAR 1.2, pcap or pcapng", path, desc)}
	}
	return nil
}
