package pi

import (
	"github.com/ceping/ceping/kb"
	"math"
	"sort"
	"time"
)

// Appendix D (表 D.1) of the testing method gives reference collection
// frequencies per PI type and scenario. The scenario is not visible in
// traffic, so the analysis flags what no scenario of the table allows:
//   - location faster than once per second (the fastest scenario, real-time
//     navigation), and periodic location faster than every 30 s outside any
//     feature window (navigation would be a marked feature);
//   - contacts, the installed-app list, SMS, call log and face data outside
//     any feature window: the table allows them only on user trigger.
var triggerOnly = map[string]string{
	"contacts":       "通讯录：用户主动触发时读取",
	"installed_apps": "应用程序列表：用户主动触发时读取",
	"sms":            "短信：用户主动触发时读取",
	"call_log":       "通话记录：用户主动触发时读取",
	"face":           "人脸信息：用户主动触发时读取",
}

const locationRef = "地理位置：实时定位每秒 1 次；周边服务每 30 秒 1 次；识别地址一次性读取"

func frequency(obs []Observation) []FrequencyRow {
	type key struct{ pi, host, phase string }
	type acc struct {
		times       []time.Time
		flows       map[int64]bool
		untriggered map[int64]bool
	}
	groups := map[key]*acc{}
	for _, o := range obs {
		if o.Response {
			continue
		}
		k := key{o.PIType, o.Host, o.Phase}
		a := groups[k]
		if a == nil {
			a = &acc{flows: map[int64]bool{}, untriggered: map[int64]bool{}}
			groups[k] = a
		}
		if a.flows[o.FlowID] {
			continue
		}
		a.flows[o.FlowID] = true
		a.times = append(a.times, o.Time)
		if o.Feature == "" {
			a.untriggered[o.FlowID] = true
		}
	}
	var rows []FrequencyRow
	for k, a := range groups {
		sort.Slice(a.times, func(i, j int) bool { return a.times[i].Before(a.times[j]) })
		r := FrequencyRow{PIType: k.pi, PIName: piName(k.pi), Host: k.host, Phase: k.phase, Count: len(a.times),
			First: a.times[0], Last: a.times[len(a.times)-1], Untriggered: len(a.untriggered)}
		if len(a.times) > 1 {
			iv := make([]float64, 0, len(a.times)-1)
			for i := 1; i < len(a.times); i++ {
				iv = append(iv, a.times[i].Sub(a.times[i-1]).Seconds())
			}
			sort.Float64s(iv)
			r.MinInterval = round3(iv[0])
			m := len(iv) / 2
			if len(iv)%2 == 1 {
				r.MedInterval = round3(iv[m])
			} else {
				r.MedInterval = round3((iv[m-1] + iv[m]) / 2)
			}
		}
		switch {
		case k.pi == "location":
			r.Reference = locationRef
			switch {
			case r.Count >= 3 && r.MedInterval < 1:
				r.Flag, r.FlagReason = true, "高于参考频率：定位快于每秒 1 次（附录 D 实时定位场景）"
			case r.Count >= 3 && r.MedInterval < 30 && r.Untriggered == r.Count:
				r.Flag, r.FlagReason = true, "高于参考频率：无功能触发的周期性定位快于每 30 秒 1 次"
			}
		case triggerOnly[k.pi] != "":
			r.Reference = triggerOnly[k.pi]
			if r.Untriggered > 0 {
				r.Flag, r.FlagReason = true, "无用户触发：不在任何功能窗口内收集（附录 D 要求用户主动触发时读取）"
			}
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Flag != b.Flag {
			return a.Flag
		}
		if a.PIType != b.PIType {
			return a.PIType < b.PIType
		}
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		return a.Phase < b.Phase
	})
	return rows
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func piName(t string) string {
	if n := piNames()[t]; n != "" {
		return n
	}
	return t
}

func piNames() map[string]string { return kb.PITypeNames }
