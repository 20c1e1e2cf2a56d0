package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"diming"
	"diming/auth"
)

// accountOptions are the flags of `diming user add` and `diming token create`.
type accountOptions struct {
	name, displayName, role string
	label, expires          string
}

// userAdd creates an account; the password is the first line of stdin.
func userAdd(ctx context.Context, cfg Config, log *slog.Logger, opt accountOptions, stdin io.Reader, stdout io.Writer) error {
	role, err := auth.ParseRole(opt.role)
	if err != nil {
		return err
	}
	u := auth.User{Name: opt.name, DisplayName: opt.displayName, Role: role}
	if err := auth.ValidateUser(u); err != nil {
		return err
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return diming.Wrap(err, diming.EINVALID, "无法从标准输入读取密码", "cannot read the password from standard input")
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPassword(pw); err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	st, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err = st.CreateUser(ctx, "cli:user-add", u, hash)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已创建账号 %s（%s），编号 %d / created account %s (%s), id %d\n", u.Name, u.Role, u.ID, u.Name, u.Role, u.ID)
	log.Info("account created", "user", u.Name, "role", u.Role)
	return nil
}

// tokenCreate makes an API token for a user and prints it once.
func tokenCreate(ctx context.Context, cfg Config, log *slog.Logger, opt accountOptions, stdout io.Writer) error {
	var expires *time.Time
	if opt.expires != "" && opt.expires != "never" {
		d, err := parseDays(opt.expires)
		if err != nil {
			return err
		}
		t := time.Now().Add(d)
		expires = &t
	}
	st, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, _, err := st.UserByName(ctx, opt.name)
	if err != nil {
		return err
	}
	secret, hash, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		return err
	}
	tok, err := st.CreateToken(ctx, "cli:token-create", u.ID, hash, opt.label, expires)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	log.Info("token created; it is shown only this once", "user", u.Name, "token_id", tok.ID, "expires", expires)
	return nil
}

// parseDays reads "90d", "12h" or any Go duration.
func parseDays(s string) (time.Duration, error) {
	bad := diming.Errorf(diming.EINVALID, "有效期 %q 无效：如 90d、12h 或 never", "invalid expiry %q: e.g. 90d, 12h or never", s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscan(n, &days); err != nil || days <= 0 || days > 3650 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}
