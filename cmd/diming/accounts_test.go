package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestUserAndTokenCommands(t *testing.T) {
	dir := t.TempDir()
	if code, out := runStdin(t, "a long enough password\n", "user", "add", "--name", "chen.qi", "--display-name", "陈七", "--role", "reviewer", "--data-dir", dir); code != 0 || !strings.Contains(out, "chen.qi") {
		t.Fatalf("user add: %d\n%s", code, out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		says  string
	}{
		{"a long enough password\n", []string{"user", "add", "--name", "chen.qi", "--role", "admin"}, "已被使用"},
		{"short\n", []string{"user", "add", "--name", "zhou.ba", "--role", "admin"}, "至少"},
		{"a long enough password\n", []string{"user", "add", "--name", "zhou.ba", "--role", "root"}, "角色"},
		{"a long enough password\n", []string{"user", "add", "--name", "Zhou Ba", "--role", "admin"}, "用户名"},
		{"", []string{"token", "create", "--user", "nobody"}, "没有这个账号"},
		{"", []string{"token", "create", "--user", "chen.qi", "--expires", "forever"}, "有效期"},
	} {
		code, out := runStdin(t, tc.stdin, append(tc.args, "--data-dir", dir)...)
		if code != 1 || !strings.Contains(out, tc.says) {
			t.Errorf("%v: %d, want 1 and %q:\n%s", tc.args, code, tc.says, out)
		}
	}
	code, out := runStdin(t, "", "token", "create", "--user", "chen.qi", "--label", "测试脚本", "--data-dir", dir)
	var token string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "dmt_") {
			token = line
		}
	}
	if code != 0 || token == "" {
		t.Fatalf("token create: %d\n%s", code, out)
	}
	base := startServe(t, "--data-dir", dir, "--no-demo")
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("the new token is refused: %d", res.StatusCode)
	}
}
