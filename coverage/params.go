package coverage

import (
	"math"

	"diming"
)

// Walk is a walking limit: minutes at a speed (m/s).
type Walk struct {
	Minutes float64 `json:"minutes"`
	Speed   float64 `json:"speed"`
}

// Defaults of the walking limits: the 15-minute life circle at the speed of
// older people (0.9 m/s, 810 m), and a 10-minute walk to a lottery outlet.
var (
	DefaultEldercareWalk = Walk{Minutes: 15, Speed: 0.9}
	DefaultLotteryWalk   = Walk{Minutes: 10, Speed: 0.9}
)

// Limits on walking parameters.
const (
	MaxWalkMinutes = 120
	MaxWalkSpeed   = 3.0 // m/s; a brisk walk is 1.5
)

// Metres is the walking distance of the limit.
func (w Walk) Metres() float64 { return w.Minutes * 60 * w.Speed }

// Validate refuses walks that make no sense.
func (w Walk) Validate() error {
	if math.IsNaN(w.Minutes) || w.Minutes <= 0 || w.Minutes > MaxWalkMinutes {
		return diming.Errorf(diming.EINVALID, "步行时间 minutes=%v 无效：应大于 0、不超过 %d 分钟", "minutes=%v is invalid: more than 0 and at most %d", w.Minutes, MaxWalkMinutes)
	}
	if math.IsNaN(w.Speed) || w.Speed <= 0 || w.Speed > MaxWalkSpeed {
		return diming.Errorf(diming.EINVALID, "步行速度 speed=%v 米/秒无效：应大于 0、不超过 %v", "speed=%v m/s is invalid: more than 0 and at most %v", w.Speed, MaxWalkSpeed)
	}
	return nil
}

// Count is a total split into covered and uncovered parts.
type Count struct {
	Total     int     `json:"total"`
	Covered   int     `json:"covered"`
	Uncovered int     `json:"uncovered"`
	Share     float64 `json:"share"` // covered ÷ total, 0 when the total is 0
}

func (c *Count) add(n int, covered bool) {
	c.Total += n
	if covered {
		c.Covered += n
	} else {
		c.Uncovered += n
	}
}

func (c *Count) addCount(o Count) {
	c.Total += o.Total
	c.Covered += o.Covered
	c.Uncovered += o.Uncovered
}

func (c *Count) finish() {
	c.Share = share(c.Covered, c.Total)
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return round4(float64(n) / float64(total))
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
func round1(x float64) float64 { return math.Round(x*10) / 10 }
