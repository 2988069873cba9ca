package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ceping/ceping/pi"
	"github.com/spf13/cobra"
)

var deviceCmd = &cobra.Command{
	Use:   "device",
	Short: "测试设备信息文件（device profile）: init, check",
	Long: `测试设备信息文件列出测试设备的真实标识（IMEI、OAID、MAC…）、测试账号、位置和诱饵文本，
ceping analyze 在流量中查找这些值及其编码和哈希变形。
The device profile lists the test device's real identifiers, the test account,
its position and canary texts; ceping analyze looks for them (and their
encoded and hashed variants) in the traffic.`,
}

func init() {
	var out string
	var force bool
	initCmd := &cobra.Command{
		Use:   "init [-o FILE]",
		Short: "write a commented device-profile template (中英文注释)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" || out == "-" {
				_, err := fmt.Fprint(cmd.OutOrStdout(), pi.Template)
				return err
			}
			flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(out, flag, 0o600)
			if errors.Is(err, fs.ErrExist) {
				return &exitError{code: 2, msg: out + " already exists (use --force to overwrite)"}
			}
			if err != nil {
				return err
			}
			if _, err := f.WriteString(pi.Template); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			log.Infof("wrote device profile template %s: replace every example value with the test device's own", out)
			return nil
		},
	}
	initCmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default: stdout)")
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")

	checkCmd := &cobra.Command{
		Use:   "check FILE",
		Short: "validate a device profile and count the value variants searched",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, warns, err := pi.LoadProfile(args[0])
			if err != nil {
				return &exitError{code: 2, msg: err.Error()}
			}
			for _, w := range warns {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w.String())
			}
			m := pi.NewMatcher(p)
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d values, %d variants searched (%d warnings)\n", args[0], len(m.Values), len(m.Variants), len(warns))
			return nil
		},
	}
	deviceCmd.AddCommand(initCmd, checkCmd)
	rootCmd.AddCommand(deviceCmd)
}
