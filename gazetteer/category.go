package gazetteer

import "diming"

// Category is a place-name class. Codes follow the 12 top classes the second
// national place-name census used for GB/T 18521 (01 海域 … 12 单位), with
// four-digit subclasses (the first two digits are the top class). The
// subclass list covers what a district gazetteer holds; it is a subset of
// the census's.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Generics are the 通名 allowed for names of this class (for the
	// naming checks and for splitting a name into 专名 + 通名).
	Generics []string `json:"generics,omitempty"`
}

// Categories is the code table, top classes first within each group.
var Categories = []Category{
	{Code: "01", Name: "海域"},
	{Code: "02", Name: "陆地水系"},
	{Code: "0201", Name: "河流", Generics: []string{"江", "河", "溪", "沟", "渠"}},
	{Code: "0202", Name: "湖泊、水库", Generics: []string{"湖", "水库", "塘", "堰"}},
	{Code: "03", Name: "陆地地形"},
	{Code: "0301", Name: "山", Generics: []string{"山", "岭", "峰", "坡", "岩", "坪", "梁", "垭", "湾"}},
	{Code: "04", Name: "行政区域"},
	{Code: "0401", Name: "区、县", Generics: []string{"区", "县"}},
	{Code: "0402", Name: "街道", Generics: []string{"街道"}},
	{Code: "0403", Name: "镇、乡", Generics: []string{"镇", "乡"}},
	{Code: "05", Name: "群众自治组织"},
	{Code: "0501", Name: "社区（居民委员会）", Generics: []string{"社区居民委员会", "社区"}},
	{Code: "0502", Name: "村（村民委员会）", Generics: []string{"村民委员会", "村"}},
	{Code: "06", Name: "非行政区域"},
	{Code: "0601", Name: "开发区、园区", Generics: []string{"园区", "开发区", "工业园", "科技园", "园"}},
	{Code: "07", Name: "居民点"},
	{Code: "0701", Name: "城镇居民点（小区）", Generics: []string{"小区", "花园", "苑", "府", "城", "庭", "居", "里", "村", "新村", "公寓"}},
	{Code: "0702", Name: "农村居民点", Generics: []string{"湾", "院", "坝", "沟", "岗", "社", "组", "村"}},
	{Code: "08", Name: "交通运输设施"},
	{Code: "0801", Name: "城市道路", Generics: []string{"大道", "路", "街", "巷", "道", "支路", "环道"}},
	{Code: "0802", Name: "公路", Generics: []string{"高速公路", "公路", "国道", "省道"}},
	{Code: "0803", Name: "桥梁", Generics: []string{"大桥", "桥", "立交", "立交桥"}},
	{Code: "0804", Name: "隧道", Generics: []string{"隧道"}},
	{Code: "0805", Name: "轨道交通站点", Generics: []string{"站"}},
	{Code: "0806", Name: "广场", Generics: []string{"广场"}},
	{Code: "09", Name: "水利电力通信设施"},
	{Code: "10", Name: "纪念地旅游景点"},
	{Code: "1001", Name: "公园、景区", Generics: []string{"公园", "景区", "古镇", "森林公园", "风景区"}},
	{Code: "1002", Name: "纪念地、遗址", Generics: []string{"旧址", "遗址", "纪念馆", "陵园", "烈士墓", "故居", "公馆", "洞"}},
	{Code: "11", Name: "建筑物", Generics: []string{"大厦", "中心", "楼", "馆", "大楼"}},
	{Code: "12", Name: "单位", Generics: []string{"学校", "大学", "学院", "中学", "小学", "医院", "中心"}},
}

var categoryByCode = func() map[string]Category {
	m := make(map[string]Category, len(Categories))
	for _, c := range Categories {
		m[c.Code] = c
	}
	return m
}()

// CategoryByCode looks a category up; unknown codes are EINVALID.
func CategoryByCode(code string) (Category, error) {
	c, ok := categoryByCode[code]
	if !ok {
		return Category{}, diming.Errorf(diming.EINVALID, "地名类别代码 %q 不存在（见 /api/v1/categories）",
			"unknown place category code %q (see /api/v1/categories)", code)
	}
	return c, nil
}

// InCategory says whether code is top or lies under it (0801 is in 08).
func InCategory(code, top string) bool {
	return len(code) >= len(top) && code[:len(top)] == top
}
