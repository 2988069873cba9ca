package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/session"
)

func init() {
	gcCmd := &cobra.Command{
		Use:   "gc DIR",
		Short: "remove body blobs no flow references and temp files left by a crash",
		Long: `Removes blobs/ files that no flow references (no body, decoded body or
WebSocket message points at them) and blobs/*/.tmp-* files left by an
interrupted write, both only when older than a minute. Safe while a capture
writes to the same session. See docs/session.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			st, err := session.Open(dir)
			if err != nil {
				return err
			}
			stats, gcErr := st.GC()
			if err := st.Close(); gcErr == nil {
				gcErr = err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "session %s: freed %d bytes\n", dir, stats.FreedBytes())
			fmt.Fprintf(out, "  unreferenced blobs removed: %d (%d bytes)\n", stats.Removed, stats.RemovedBytes)
			fmt.Fprintf(out, "  temp files removed:         %d (%d bytes)\n", stats.TempRemoved, stats.TempBytes)
			fmt.Fprintf(out, "  blobs kept:                 %d (%d bytes), %d refs\n", stats.Kept, stats.KeptBytes, stats.Referenced)
			if stats.Young > 0 {
				fmt.Fprintf(out, "  kept for now (younger than a minute): %d\n", stats.Young)
			}
			if stats.Missing > 0 {
				fmt.Fprintf(out, "  WARNING: %d referenced blobs are missing (their bodies cannot be read)\n", stats.Missing)
			}
			return gcErr
		},
	}
	sessionCmd.AddCommand(gcCmd)
}
