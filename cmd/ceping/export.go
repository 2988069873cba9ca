package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/probes/har"
	"github.com/ceping/ceping/session"
)

func init() {
	var dir, out string
	cmd := &cobra.Command{
		Use:   "export --session DIR --har FILE",
		Short: "export the session's HTTP flows as HAR 1.2",
		Long: `Export the session's HTTP flows as a HAR 1.2 file (bodies decoded; binary
bodies base64). Connections whose TLS was not intercepted have no HTTP
request and are left out (counted in the summary).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" || out == "" {
				return &exitError{code: 2, msg: "export: --session and --har are required"}
			}
			st, err := session.Open(dir)
			if err != nil {
				return err
			}
			defer st.Close()
			// Write next to the target, then rename: no half-written HAR.
			tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			hw, err := har.NewWriter(tmp, har.Options{Creator: "ceping", Version: version})
			if err != nil {
				tmp.Close()
				return err
			}
			skipped := 0
			err = st.ForEachFlow(true, func(f *evidence.Flow) error {
				ok, err := hw.Add(f)
				if err == nil && !ok {
					skipped++
				}
				return err
			})
			if err == nil {
				err = hw.Close()
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("export %s: %w", out, err)
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d entries written (%d flows without an HTTP request left out)\n", out, hw.Count(), skipped)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "session", "", "session folder")
	cmd.Flags().StringVar(&out, "har", "", "HAR file to write")
	rootCmd.AddCommand(cmd)
}
