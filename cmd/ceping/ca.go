package main

import (
	"fmt"
	"os"

	"github.com/ceping/ceping/mitm"
	"github.com/spf13/cobra"
)

// caDirFlag adds --ca-dir to cmd.
func caDirFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "ca-dir", "", "directory of the ceping CA (default: the user config directory/ceping)")
}

func init() {
	caCmd := &cobra.Command{
		Use:   "ca",
		Short: "根证书（CA）: export, path — the CA the proxy signs intercepted sites with",
		Long: `ceping 代理用本机独有的根证书（CA）解密 HTTPS 流量；首次使用时生成（ECDSA P-256，十年），私钥文件权限 0600。
The proxy decrypts HTTPS with this installation's own CA, generated on first use
(ECDSA P-256, ten years; the key file is 0600 and never leaves the CA directory).
Install it on the test phone: see docs/capture.md, or open http://ceping.ca/
through a running 'ceping capture'.`,
	}

	var exportDir, format, out string
	exportCmd := &cobra.Command{
		Use:   "export [--format pem|der] [--out FILE]",
		Short: "write the CA certificate (never the key) as PEM or DER",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "pem" && format != "der" {
				return &exitError{code: 2, msg: fmt.Sprintf("--format %q: want pem or der", format)}
			}
			ca, err := mitm.LoadOrCreateCA(exportDir)
			if err != nil {
				return err
			}
			data := ca.PEM()
			if format == "der" {
				data = ca.DER()
			}
			if out == "" || out == "-" {
				_, err := cmd.OutOrStdout().Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return err
			}
			log.Infof("wrote the CA certificate %q (%s, SHA-256 %s) to %s", ca.Name(), format, ca.Fingerprint(), out)
			return nil
		},
	}
	caDirFlag(exportCmd, &exportDir)
	exportCmd.Flags().StringVar(&format, "format", "pem", "pem or der (der: Android and iOS install .crt files)")
	exportCmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: stdout)")

	var pathDir string
	pathCmd := &cobra.Command{
		Use:   "path",
		Short: "print the path of the CA certificate (created on first use)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ca, err := mitm.LoadOrCreateCA(pathDir)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), ca.CertPath())
			return err
		},
	}
	caDirFlag(pathCmd, &pathDir)
	caCmd.AddCommand(exportCmd, pathCmd)
	rootCmd.AddCommand(caCmd)
}
