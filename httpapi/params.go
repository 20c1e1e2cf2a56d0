package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"diming"
	"diming/geo"
)

// maxParamLen bounds every query parameter value.
const maxParamLen = 1000

// queryParams checks a request's query string: only the allowed names, each
// at most once, valid UTF-8 without control characters, and not too long.
func queryParams(r *http.Request, allowed ...string) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, diming.Errorf(diming.EINVALID, "查询字符串格式错误", "malformed query string")
	}
	for name, vals := range v {
		if !contains(allowed, name) && name != "lang" {
			sort.Strings(allowed)
			return nil, diming.Errorf(diming.EINVALID, "未知的参数 %q；可用参数：%s", "unknown parameter %q; allowed: %s",
				truncate(name, 40), strings.Join(allowed, ", "))
		}
		if len(vals) > 1 {
			return nil, diming.Errorf(diming.EINVALID, "参数 %s 只能出现一次", "parameter %s may appear only once", name)
		}
		val := vals[0]
		if len(val) > maxParamLen {
			return nil, diming.Errorf(diming.EINVALID, "参数 %s 过长（最多 %d 字节）", "parameter %s is too long (at most %d bytes)", name, maxParamLen)
		}
		if !utf8.ValidString(val) || strings.ContainsFunc(val, unicode.IsControl) {
			return nil, diming.Errorf(diming.EINVALID, "参数 %s 含有无效字符或控制字符", "parameter %s contains invalid or control characters", name)
		}
	}
	return v, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseBBox reads "minLon,minLat,maxLon,maxLat" in WGS84.
func parseBBox(s string) (*orb.Bound, error) {
	bad := func(why, whyEN string) error {
		return diming.Errorf(diming.EINVALID, "bbox 参数 %[1]q 无效：%[2]s；格式为 最小经度,最小纬度,最大经度,最大纬度（WGS84）",
			"invalid bbox %[1]q: %[3]s; use minLon,minLat,maxLon,maxLat (WGS84)", truncate(s, 80), why, whyEN)
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, bad("需要 4 个数", "need 4 numbers")
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, bad(fmt.Sprintf("第 %d 个值不是有限的数", i+1), fmt.Sprintf("value %d is not a finite number", i+1))
		}
		f[i] = x
	}
	b := orb.Bound{Min: orb.Point{f[0], f[1]}, Max: orb.Point{f[2], f[3]}}
	for _, p := range []orb.Point{b.Min, b.Max} {
		if geo.CheckPoint(p) != nil {
			return nil, bad("超出经纬度范围", "outside longitude/latitude range")
		}
	}
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return nil, bad("最小值大于最大值", "min greater than max")
	}
	return &b, nil
}
