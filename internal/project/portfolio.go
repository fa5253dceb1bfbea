package project

import (
	"slices"
	"strconv"

	"kechuang/internal/money"
)

// The portfolio views (项目库与动态榜单): every challenge of a jurisdiction
// as a problem on the dynamic list of 关键核心技术攻关 (临沂 keeps a
// 重大科技项目信息库 and a dynamic list), every granted project in the
// library, and by year the problems solved (泰安: 每年解决“卡脖子”技术难题
// 不少于10项) and the share of projects led by researchers aged 45 or
// under (武威: 45歲以下科研人員主持市級科技計劃項目的比例不低于50%).

// Young reports whether a lead of age is counted as 45岁以下: 以下 includes
// the number itself (民法典第一千二百五十九条：“以上”“以下”“以内”“届满”，包括本数).
func Young(age int) bool { return age > 0 && age <= 45 }

// Problem is a challenge as the dynamic list shows it.
type Problem struct {
	Challenge *Challenge
	State     string // draft, open, review, attack, solved, unsolved, withdrawn
	Solved    string // the first acceptance passed, YYYY-MM-DD
	Teams     int    // projects granted
}

// ProblemZh names a problem's state on the list.
func ProblemZh(s string) string {
	return map[string]string{"draft": "草拟", "open": "揭榜中", "review": "评审立项中", "attack": "攻关中", "solved": "已解决", "unsolved": "未解决", "withdrawn": "已撤榜"}[s]
}

// Listed is a granted project in the library.
type Listed struct {
	Challenge *Challenge
	Grant     Grant
}

// Year is one year's portfolio figures.
type Year struct {
	Year      int
	Published int       // challenges put up (发榜)
	Granted   int       // projects granted (立项)
	Fen       money.Fen // awarded
	Young     int       // of those granted, led by a researcher aged 45 or under at the grant
	Solved    int       // problems solved: a project of theirs accepted that year
	Closed    int       // projects closed without acceptance (容错 or ordinary)
}

// YoungShare is the share of the year's projects led by researchers aged 45
// or under, in tenths of a percent rounded half up (ok false with none
// granted).
func (y Year) YoungShare() (tenths int64, ok bool) {
	if y.Granted == 0 {
		return 0, false
	}
	return (int64(y.Young)*2000 + int64(y.Granted)) / (int64(y.Granted) * 2), true
}

// YoungAtLeast reports, exactly, whether that share reaches pct percent
// (不低于: the bound included): 100·young ≥ pct·granted.
func (y Year) YoungAtLeast(pct int64) bool {
	return y.Granted > 0 && 100*int64(y.Young) >= pct*int64(y.Granted)
}

// Portfolio is the views over a jurisdiction's challenges.
type Portfolio struct {
	Problems []Problem
	Projects []Listed
	Years    []Year // ascending
}

// NewPortfolio builds the views from challenges (newest first, as listed).
func NewPortfolio(cs []*Challenge) Portfolio {
	var p Portfolio
	years := map[int]*Year{}
	year := func(date string) *Year {
		y := yearOf(date)
		if y == 0 {
			return nil
		}
		if years[y] == nil {
			years[y] = &Year{Year: y}
		}
		return years[y]
	}
	for _, c := range cs {
		pr := Problem{Challenge: c}
		switch c.State {
		case Draft:
			pr.State = "draft"
		case Withdrawn:
			pr.State = "withdrawn"
		case Published:
			pr.State = "open"
		default:
			pr.State = "review"
		}
		if y := year(c.Published); y != nil && c.State != Draft {
			y.Published++
		}
		var grants []Grant
		if c.Review != nil {
			grants = c.Review.Grants
		}
		pr.Teams = len(grants)
		final := len(grants) > 0
		for _, g := range grants {
			p.Projects = append(p.Projects, Listed{Challenge: c, Grant: g})
			if y := year(g.At); y != nil {
				y.Granted++
				y.Fen += g.Fen
				if Young(g.Age) {
					y.Young++
				}
			}
			if g.State == Accepted && g.Accepted != nil && (pr.Solved == "" || g.Accepted.At < pr.Solved) {
				pr.Solved = g.Accepted.At
			}
			if (g.State == Failed || g.State == Tolerated) && g.Closed != "" {
				if y := year(g.Closed); y != nil {
					y.Closed++
				}
			}
			final = final && g.State.Final()
		}
		switch {
		case pr.Solved != "":
			pr.State = "solved"
			if y := year(pr.Solved); y != nil {
				y.Solved++
			}
		case len(grants) > 0 && final:
			pr.State = "unsolved"
		case len(grants) > 0:
			pr.State = "attack"
		}
		p.Problems = append(p.Problems, pr)
	}
	for _, y := range years {
		p.Years = append(p.Years, *y)
	}
	slices.SortFunc(p.Years, func(a, b Year) int { return a.Year - b.Year })
	return p
}

// yearOf is a YYYY-MM-DD date's year, 0 for none.
func yearOf(date string) int {
	if len(date) < 4 {
		return 0
	}
	y, err := strconv.Atoi(date[:4])
	if err != nil {
		return 0
	}
	return y
}
