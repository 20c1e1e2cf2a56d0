package gazetteer

// placeNameReadings is the override dictionary of place-name readings
// (地名读音) applied, longest match first, before the character-by-character
// converter (go-pinyin), which takes the first reading of its dictionary and
// so reads 覃 tán, 曾 céng, 重 zhòng, 长 zhǎng, 都 dōu, 蚌 bàng.
//
// Each entry gives one tone-marked syllable per character. Only readings we
// are sure of are here: the approved reading of a named place (蚌埠 Bèngbù,
// 六安 Lù'ān), or a character whose reading in place names is settled (都 is
// dū in every place name; 佛 is fó). Where usage is unsettled (堡 bǎo/bǔ/pù
// varies place by place, 石 dàn is not used in names we could check) the
// converter's reading stays and a reviewer decides: the stored romanization
// is a reviewed field, the converter only proposes it.
//
// Sources: 《现代汉语词典》第7版 (六 lù only in 六安 and 六合; 乐 lào in 乐亭),
// the Ministry of Civil Affairs' division names and their romanization as
// published (e.g. 六盘水 Liùpánshuǐ, 长寿区 Chángshòu Qū, 丰都县 Fēngdū Xiàn),
// and GB/T 28039 for surnames (任 Rén, 单 Shàn, 覃 Qín, 曾 Zēng).
var placeNameReadings = []struct{ word, reading string }{
	// Single characters whose place-name reading differs from go-pinyin's first one.
	{"覃", "qín"},   // surname 覃 in place names: 覃家岗 Qínjiāgǎng (Shapingba)
	{"曾", "zēng"},  // surname: 曾家 Zēngjiā; céng ("once") does not occur in names
	{"长", "cháng"}, // 长江, 长寿, 长沙, 长春, 长岭镇; exception 长子 below
	{"都", "dū"},    // 成都, 丰都, 花都, 江都, 都江堰, 宏城名都; dōu ("all") is not a name
	{"佛", "fó"},    // 佛山, 佛图关, 双佛村; fú only in 仿佛

	// Whole words.
	{"重庆", "chóng qìng"},     // 重 zhòng by default
	{"覃家岗", "qín jiā gǎng"},  // Shapingba: 覃家岗街道 Qinjiagang Jiedao
	{"曾家", "zēng jiā"},       // Shapingba: 曾家镇 Zengjia Zhen
	{"任家", "rén jiā"},        // surname 任 Rén (rèn by default): 任家镇 (Wanzhou)
	{"单家", "shàn jiā"},       // surname 单 Shàn
	{"单县", "shàn xiàn"},      // Shandong
	{"沙坪坝", "shā píng bà"},   // Shapingba, for the record (the default reading is right)
	{"磁器口", "cí qì kǒu"},     // Ciqikou, for the record
	{"歌乐山", "gē lè shān"},    // Gēlèshān, not yuè
	{"乐山", "lè shān"},        // Sichuan
	{"乐清", "yuè qīng"},       // Zhejiang
	{"乐亭", "lào tíng"},       // Hebei
	{"长子", "zhǎng zǐ"},       // 长子县, Shanxi: the one zhǎng
	{"长江", "cháng jiāng"},    // 长 cháng, listed for the record
	{"长寿", "cháng shòu"},     // Chongqing's 长寿区
	{"六安", "lù ān"},          // Anhui: Lù'ān
	{"六合", "lù hé"},          // Nanjing: Lùhé
	{"六盘水", "liù pán shuǐ"},  // Guizhou: here 六 is liù
	{"银行", "yín háng"},       // 行 háng in bank names
	{"朝天门", "cháo tiān mén"}, // Chongqing
	{"厦门", "xià mén"},        // Fujian
	{"大厦", "dà shà"},         // building generic
	{"成都", "chéng dū"},       // Sichuan
	{"蚌埠", "bèng bù"},        // Anhui; 蚌 bàng by default
	{"丽水", "lí shuǐ"},        // Zhejiang; 丽 lì by default
	{"番禺", "pān yú"},         // Guangzhou; 番 fān by default
	{"茄子溪", "qié zi xī"},     // Chongqing (Dadukou); 茄 jiā by default
	{"台州", "tāi zhōu"},       // Zhejiang
	{"天台县", "tiān tāi xiàn"}, // Zhejiang
	{"天台山", "tiān tāi shān"}, // Zhejiang
	{"洪洞", "hóng tóng"},      // Shanxi
	{"东阿", "dōng ē"},         // Shandong: Dōng'ē
	{"蔚县", "yù xiàn"},        // Hebei
	{"铅山", "yán shān"},       // Jiangxi
	{"济南", "jǐ nán"},         // Shandong (济 jǐ, from the 济水)
	{"济宁", "jǐ níng"},        // Shandong
	{"济源", "jǐ yuán"},        // Henan
	{"犍为", "qián wéi"},       // Sichuan
	{"涡阳", "guō yáng"},       // Anhui
	{"莘县", "shēn xiàn"},      // Shandong
	{"歙县", "shè xiàn"},       // Anhui
}
