// Command ceping tests what a mobile app does with personal information, by
// the method of App 个人信息安全测评 (GB/T 35273—2020).
//
// This package is the composition root: it is the one place that wires the
// probes, the proxy, the session store, the detectors, the unit catalog and
// the report renderers together. Each subcommand lives in its own file and
// registers itself with rootCmd in an init function.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

var log = logrus.New()

var verbose bool

var rootCmd = &cobra.Command{
	Use:   "ceping",
	Short: "App 个人信息安全测评 — test what a mobile app does with personal information",
	Long: `ceping 按 App 个人信息安全测评方法（基于 GB/T 35273—2020）测评移动应用处理个人信息的行为。
ceping tests what a mobile app does with personal information: it records the
app's traffic through an intercepting proxy, analyses the app package, finds
personal information in what the app sends, and judges the 157 test units.`,
	SilenceUsage:  true,
	SilenceErrors: true,
	Version:       version,
	PersistentPreRun: func(cmd *cobra.Command, args []string) {
		if verbose {
			log.SetLevel(logrus.DebugLevel)
		}
	},
}

func init() {
	log.SetOutput(os.Stderr)
	log.SetLevel(logrus.InfoLevel)
	rootCmd.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "debug logging (stderr; never logs raw personal information)")
}

// exitError carries a process exit code through cobra.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	if err := rootCmd.Execute(); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "ceping:", ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "ceping:", err)
		os.Exit(1)
	}
}
