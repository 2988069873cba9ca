package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/mitm"
	"github.com/ceping/ceping/session"
	"github.com/spf13/cobra"
)

// controlFileName is the file in a session folder that tells `ceping mark`
// where the running capture's control endpoint is.
const controlFileName = "control.json"

func init() {
	var dir string
	cmd := &cobra.Command{
		Use:   "mark --session DIR EVENT [ARG]",
		Short: "在时间线上标记事件（启动、同意、拒绝、功能开始/结束…）",
		Long: `在测评过程中标记事件，用于划分阶段（同意前/后、前台/后台、功能使用期间）。
Mark an event on the session's timeline. Events:
  app-start           App 启动 (the app was started)
  consent-shown       隐私政策弹窗出现 (the consent dialog is shown)
  consent             用户同意 (the tester agreed)
  refuse              用户拒绝 (the tester refused)
  feature-start NAME  开始使用功能 NAME
  feature-stop NAME   结束使用功能 NAME
  background          App 切到后台
  foreground          App 回到前台
  withdraw            撤回同意 (consent withdrawn)
  note TEXT           备注
With a capture running in the session the marker goes through its control
endpoint (so it is timed by the capture); otherwise it is written to the
session store directly.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return &exitError{code: 2, msg: "--session DIR is required"}
			}
			kind := evidence.MarkerKind(args[0])
			arg := ""
			if len(args) == 2 {
				arg = args[1]
			}
			if err := mitm.ValidMarker(kind, arg); err != nil {
				return &exitError{code: 2, msg: err.Error()}
			}
			id, via, err := sendMark(cmd.Context(), dir, kind, arg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "marker #%d %s (%s)\n", id, kind, via)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "session", "", "session directory")
	rootCmd.AddCommand(cmd)
}

// sendMark posts to the running capture of dir, or writes to the store when
// none runs. via says which.
func sendMark(ctx context.Context, dir string, kind evidence.MarkerKind, arg string) (int64, string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	cf := filepath.Join(dir, controlFileName)
	info, err := mitm.ReadControlFile(cf)
	switch {
	case err == nil:
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		id, perr := mitm.PostMark(cctx, info, kind, arg)
		if perr == nil {
			return id, "sent to the running capture", nil
		}
		if !errors.Is(perr, syscall.ECONNREFUSED) {
			return 0, "", perr
		}
		log.Warnf("%s names a capture that is no longer running (%v); writing to the store directly", cf, perr)
	case errors.Is(err, os.ErrNotExist):
	default:
		return 0, "", err
	}
	st, err := session.Open(dir)
	if err != nil {
		return 0, "", err
	}
	id, err := st.AddMarker(evidence.Marker{Time: time.Now(), Kind: kind, Arg: arg})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, "", err
	}
	return id, "no capture is running: written to the session store directly", nil
}
