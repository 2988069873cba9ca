package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/session"
)

var sessionCmd = &cobra.Command{
	Use:   "session",
	Short: "测评会话（session folder）: new, gc",
	Long: `A session is a folder holding one test's evidence: session.db (SQLite, WAL)
with flows, markers, connections, DNS answers, the app's facts and findings,
and blobs/ with the HTTP bodies by SHA-256. See docs/session.md.`,
}

func init() {
	var app, apk, notes string
	var bodyCap int64
	newCmd := &cobra.Command{
		Use:   "new --app NAME [--apk FILE] DIR",
		Short: "create a new session folder",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if app == "" {
				return &exitError{code: 2, msg: "session new: --app is required (the app's name or package)"}
			}
			if apk != "" {
				st, err := os.Stat(apk)
				if err != nil {
					return &exitError{code: 2, msg: "session new: --apk: " + err.Error()}
				}
				if st.IsDir() {
					return &exitError{code: 2, msg: "session new: --apk " + apk + " is a directory"}
				}
				if abs, err := filepath.Abs(apk); err == nil {
					apk = abs
				}
			}
			st, err := session.Create(dir, session.Meta{App: app, APK: apk, Notes: notes, Created: time.Now(), BodyCap: bodyCap})
			if err != nil {
				return err
			}
			m := st.Meta()
			if err := st.Close(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "created session %s\n", dir)
			fmt.Fprintf(out, "  %s  (SQLite WAL, schema v%d)\n", filepath.Join(dir, session.DBName), session.SchemaVersion)
			fmt.Fprintf(out, "  %s/  (bodies by SHA-256)\n", filepath.Join(dir, session.BlobDir))
			fmt.Fprintf(out, "  app: %s\n", m.App)
			if m.APK != "" {
				fmt.Fprintf(out, "  apk: %s\n", m.APK)
			}
			fmt.Fprintf(out, "  created: %s, body cap %d bytes\n", m.Created.Format(time.RFC3339), m.BodyCap)
			return nil
		},
	}
	f := newCmd.Flags()
	f.StringVar(&app, "app", "", "the app under test (name or package), required")
	f.StringVar(&apk, "apk", "", "the app package file (APK or IPA), recorded as an absolute path")
	f.StringVar(&notes, "notes", "", "free notes")
	f.Int64Var(&bodyCap, "body-cap", session.DefaultBodyCap, "largest body kept, raw or decoded, in bytes")
	sessionCmd.AddCommand(newCmd)
	rootCmd.AddCommand(sessionCmd)
}
