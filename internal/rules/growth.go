package rules

import (
	"math/big"
	"time"
)

// Days is the number of calendar days from date a to date b (YYYY-MM-DD),
// negative when b is before a: days("2023-06-01", "2024-06-01") = 366.
func Days(a, b string) (int64, bool) {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return int64(tb.Sub(ta).Hours() / 24), true
}

// Growth is the three-year growth rate of the 高新技术企业认定管理工作指引
// 二（七）4 (企业成长性), for the values a, b, c of the first, second and third
// year (净资产 at year end, or 销售收入):
//
//	增长率 = 1/2 × (b ÷ a + c ÷ b) − 1
//
// with the guide's edge cases: "第一年末净资产或销售收入为0的，按后两年计算"
// (a = 0: c ÷ b − 1); "第二年末净资产或销售收入为0的，按0分计算" (b = 0: 0, which
// falls in the ≤0 band). A subject operating fewer than three years passes
// 0 for the years before it opened, so the same rules apply ("企业实际经营期
// 不满三年的，按实际经营时间计算").
//
// The rate is computed exactly as a rational and rounded once to the nearest
// float64, so a rate equal to a band bound (35%, computed from whole fen)
// compares equal to pct(35).
func Growth(a, b, c int64) float64 {
	if b == 0 {
		return 0
	}
	one := big.NewRat(1, 1)
	r := new(big.Rat).SetFrac64(c, b)
	if a != 0 {
		r.Add(r, new(big.Rat).SetFrac64(b, a))
		r.Mul(r, big.NewRat(1, 2))
	}
	r.Sub(r, one)
	f, _ := r.Float64()
	return f
}
