package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kechuang/internal/facts"
	"kechuang/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), append([]string{"kechuang"}, args...), func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// TestExamplesGolden evaluates every bundled example subject and compares
// the Chinese report and the JSON with golden files (update with -update).
func TestExamplesGolden(t *testing.T) {
	paths, _ := filepath.Glob("../../examples/*.json")
	if len(paths) < 6 {
		t.Fatalf("%d example subjects; at least six are required", len(paths))
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			f, err := facts.DecodeBytes(data, p)
			if err != nil {
				t.Fatal(err)
			}
			if f.AsOf == "" {
				t.Fatalf("%s has no as_of date: golden output would depend on today's date", p)
			}
			formats := []struct {
				ext  string
				args []string
			}{
				{".txt", []string{"eval"}}, {".json", []string{"eval", "--json"}},
				// Every example is also placed on the ladder (梯次培育).
				{".ladder.txt", []string{"ladder"}},
			}
			if strings.HasSuffix(name, "-hte-candidate") {
				// Status-based clauses evaluated from the national pack's outcome.
				formats = append(formats, struct {
					ext  string
					args []string
				}{".assess.txt", []string{"eval", "--assess"}})
			}
			for _, format := range formats {
				out, errOut, err := run(t, "", append(format.args, "--policies", "../../policies", "--facts", p)...)
				if err != nil {
					t.Fatalf("eval: %v\n%s", err, errOut)
				}
				golden := filepath.Join("testdata", "golden", name+format.ext)
				if *update {
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/cli -update)", err)
				}
				if out != string(want) {
					t.Errorf("eval %s%s differs from %s (run go test ./internal/cli -update after checking the change):\n%s", name, format.ext, golden, diff(string(want), out))
				}
			}
		})
	}
}

func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n- " + w + "\n+ " + g
		}
	}
	return ""
}

func TestCheckAndCoverageOnLibrary(t *testing.T) {
	out, _, err := run(t, "", "check", "../../policies")
	if err != nil {
		t.Fatalf("check failed:\n%s", out)
	}
	if !strings.Contains(out, " 0 failed") {
		t.Errorf("check output: %s", out)
	}
	out, _, err = run(t, "", "coverage", "../../policies")
	if err != nil {
		t.Fatalf("coverage failed:\n%s", out)
	}
}

func TestCheckReportsPositions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "s.txt"), []byte("对新认定的高新技术企业给予20万元一次性补助。"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(`document:
  id: bad
  title: 坏文件
  issuer: 测试
  jurisdiction: "620600"
  published: 2022-01-01
  valid_from: 2022-01-01
  source: s.txt
clauses:
  - id: bad-1
    title: 测试
    citation: {section: 一, quote: 对新认定的高新技术企业给予20万元一次性补助}
    beneficiary: [enterprise]
    level: city
    payer: 市级财政
    when: item.kind == 'x' && subject.revnue > 0
    amount: {fixed: 20万元}
    tests:
      - {name: t, at: 2024-01-01, facts: {subject: {id: a, kind: enterprise, region: "620602"}}, want: {outcome: entitled}}
`), 0o644)
	out, _, err := run(t, "", "check", dir)
	if err == nil {
		t.Fatal("check accepted a bad file")
	}
	if !strings.Contains(out, "bad.yaml:16:11: ") || !strings.Contains(out, "item") {
		t.Errorf("want a file:line:col error at item, got:\n%s", out)
	}
}

func TestEvalBadFacts(t *testing.T) {
	_, errOut, err := run(t, `{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2023, "revenue": "lots"}]}`, "eval", "--policies", "../../policies", "--facts", "-")
	if err == nil || !strings.Contains(errOut, "$.annual[0].revenue") {
		t.Errorf("want an error naming $.annual[0].revenue, got %v: %s", err, errOut)
	}
	_, errOut, err = run(t, `{"subject": `, "eval", "--policies", "../../policies", "--facts", "-")
	if err == nil || !strings.Contains(errOut, "-:1:") {
		t.Errorf("want a line:col syntax error, got %v: %s", err, errOut)
	}
}

func TestExplain(t *testing.T) {
	out, _, err := run(t, "", "explain", "--policies", "../../policies", "fx-gate-rd-intensity")
	if err != nil {
		t.Skipf("gate id differs: %v", err)
	}
	if !strings.Contains(out, "【") {
		t.Errorf("explain does not highlight the quote:\n%s", out)
	}
	if _, _, err := run(t, "", "explain", "--policies", "../../policies", "no-such-clause"); err == nil {
		t.Error("explain of an unknown id succeeded")
	}
}

// A long one-line source is cut to the sentences around the quote.
func TestExplainLongParagraph(t *testing.T) {
	out, _, err := run(t, "", "explain", "--policies", "../../policies", "ly-rd-input-reward")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "原文：") && (len([]rune(line)) > 400 || !strings.Contains(line, "【出台鼓励企业加大研发投入奖励】")) {
			t.Errorf("原文 line is %d runes or lacks the marked quote: %s", len([]rune(line)), line)
		}
	}
}

// A file is checked with the rest of its directory; several may be given.
func TestCheckFileInLibrary(t *testing.T) {
	out, _, err := run(t, "", "check", "../../policies/taian-2022.yaml", "../../policies/linyi-2021.yaml")
	if err != nil || !strings.Contains(out, " 0 failed") {
		t.Errorf("check of two files: %v\n%s", err, out)
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, _, err := run(t, "", "frobnicate"); err == nil {
		t.Error("unknown command succeeded")
	}
	out, _, err := run(t, "", "help")
	if err != nil || !strings.Contains(out, "eval") {
		t.Errorf("help: %v %s", err, out)
	}
}

// explain shows a standard: each part with its source sentence marked, the
// guide's sentences from the guide, what experts judge, and the tests.
func TestExplainStandard(t *testing.T) {
	out, _, err := run(t, "", "explain", "--policies", "../../policies", "hte-2016")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"【企业申请认定时须注册成立一年以上】",
		"【各级指标均按整数打分，满分为100分，综合得分达到70分以上（不含70分）为符合认定要求】", // from the 工作指引
		"专家评审：技术专家判断核心技术所属领域",
		"文本为转录本",
		"综合得分正好70分不符合（不含70分）",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain hte-2016 lacks %q", want)
		}
	}
	out, _, err = run(t, "", "explain", "--policies", "../../policies", "stsme-2017")
	if err != nil || !strings.Contains(out, "【直接确认") && !strings.Contains(out, "直接确认（满足其一即可") {
		t.Errorf("explain stsme-2017 does not list the direct routes (%v):\n%.500s", err, out)
	}
}

// demo prints one facts document per line, the same for the same seed, and
// stores the population and the policy library in a database.
func TestDemo(t *testing.T) {
	a, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "25", "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := run(t, "", "demo", "--policies", "../../policies", "--subjects", "25", "--seed", "3")
	lines := strings.Split(strings.TrimSpace(a), "\n")
	if len(lines) != 25 || a != b {
		t.Fatalf("%d lines; same seed same output: %v", len(lines), a == b)
	}
	for _, l := range lines {
		if _, err := facts.DecodeBytes([]byte(l), "demo"); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(t.TempDir(), "k.db")
	out, errOut, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "25", "--db", db)
	if err != nil || !strings.Contains(out, "stored 25 demo subjects and policy library version 1") {
		t.Fatalf("demo --db: %v %s %s", err, out, errOut)
	}
	if _, _, err := run(t, "", "demo", "--subjects", "0"); err == nil {
		t.Error("--subjects 0 accepted")
	}
}

// import: the template, a sheet with a bad row (nothing imported, exit 1,
// positioned report), and --valid-only (the rest imported).
func TestImport(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "模板.xlsx")
	if _, _, err := run(t, "", "import", "--template", tpl); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(tpl); err != nil || st.Size() == 0 {
		t.Fatalf("template not written: %v", err)
	}
	u := "91620602000000001"
	c, _ := facts.USCCCheckChar(u)
	good := u + string(c)
	csv := "统一社会信用代码,名称,主体类型,所在地区代码,年度,营业收入（万元）\n" +
		good + ",甲公司,企业,620602,2024,100\n" +
		"x1,乙公司,企业,620699,2024,100\n"
	f := filepath.Join(dir, "s.csv")
	os.WriteFile(f, []byte(csv), 0o644)
	db := filepath.Join(dir, "k.db")
	out, _, err := run(t, "", "import", "--file", f, "--db", db)
	if err == nil || !strings.Contains(out, "第3行「所在地区代码」（620699）") || !strings.Contains(out, "未导入任何数据") {
		t.Fatalf("a bad row: err %v, out %s", err, out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the database was created although nothing was to be imported")
	}
	out, _, err = run(t, "", "import", "--file", f, "--db", db, "--valid-only")
	if err != nil || !strings.Contains(out, "已导入其余 1 个主体") {
		t.Fatalf("--valid-only: %v %s", err, out)
	}
}

// audit verify passes on an untouched store and names the entry after tampering.
func TestAuditVerify(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "5", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", "audit", "verify", "--db", db)
	if err != nil || !strings.Contains(out, "audit log intact: 7 entries") {
		t.Fatalf("verify: %v %s", err, out)
	}
	out, _, err = run(t, "", "audit", "list", "--db", db, "--object", "subject/demo-000003")
	if err != nil || !strings.Contains(out, "facts.put") {
		t.Fatalf("list: %v %s", err, out)
	}
	if _, _, err := run(t, "", "audit", "frobnicate"); err == nil {
		t.Error("unknown audit subcommand accepted")
	}
}

// export writes the selected subjects in the template's layout; the sheet
// imports into another store unchanged.
func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "120", "--db", a); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"xlsx", "csv"} {
		out := filepath.Join(dir, "肥乡."+ext)
		msg, _, err := run(t, "", "export", "subjects", "--db", a, "--region", "130407", "--out", out)
		if err != nil || !strings.Contains(msg, "exported") {
			t.Fatalf("export %s: %v %s", ext, err, msg)
		}
		n := 0
		fmt.Sscanf(msg, "exported %d", &n)
		msg, _, err = run(t, "", "import", "--file", out, "--db", b)
		if err != nil || !strings.Contains(msg, fmt.Sprintf("导入 %d 个主体", n)) || n == 0 {
			t.Fatalf("re-import %s of %d subjects: %v %s", ext, n, err, msg)
		}
	}
}

func TestUserAdd(t *testing.T) {
	store.SetBcryptCost(4)
	db := filepath.Join(t.TempDir(), "k.db")
	out, _, err := run(t, "long enough pw\n", "user", "add", "--db", db, "--id", "ww-officer", "--role", "staff", "--jurisdiction", "620600", "--department", "市科技局")
	if err != nil || !strings.Contains(out, "account ww-officer (staff) added") {
		t.Fatalf("%v %s", err, out)
	}
	if _, _, err := run(t, "long enough pw\n", "user", "add", "--db", db, "--id", "e1", "--role", "enterprise"); err == nil {
		t.Error("an enterprise account without --subject was added")
	}
	if _, _, err := run(t, "short\n", "user", "add", "--db", db, "--id", "x", "--role", "admin"); err == nil {
		t.Error("a short password was accepted")
	}
}

func TestBackupRestoreSQLite(t *testing.T) {
	dir := t.TempDir()
	db, bak := filepath.Join(dir, "k.db"), filepath.Join(dir, "k.bak")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "7", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "", "backup", "--db", db, "--out", bak); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "", "backup", "--db", db, "--out", bak); err == nil {
		t.Error("backup overwrote an existing file")
	}
	if _, _, err := run(t, "", "restore", "--db", db, "--from", bak); err == nil {
		t.Error("restore replaced a live database without --force")
	}
	out, _, err := run(t, "", "restore", "--db", filepath.Join(dir, "new.db"), "--from", bak)
	if err != nil || !strings.Contains(out, "audit log intact (9 entries)") {
		t.Fatalf("restore: %v %s", err, out)
	}
}

// kechuang points scores the stored subjects of a cohort: the example
// enterprise with full figures ranks above demo subjects with few, each
// group's points are shown, the list is written as a sheet, re-weighting
// works, and bad weights are refused naming the flag.
func TestPoints(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "80", "--db", db); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := os.ReadFile("../../examples/wuwei-enterprise.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutFacts(context.Background(), ex, store.Entry{Source: "import", By: "test"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out := filepath.Join(dir, "积分.csv")
	msg, _, err := run(t, "", "points", "--db", db, "--year", "2025", "--region", "620600", "--out", out, "--top", "3")
	if err != nil || !strings.Contains(msg, "企业创新积分排名") || !strings.Contains(msg, "地方配置") || !strings.Contains(msg, "技术创新得分") {
		t.Fatalf("points: %v\n%s", err, msg)
	}
	if first := strings.Split(msg, "\n")[3]; !strings.HasPrefix(first, "1\t") || !strings.Contains(first, "绿源") {
		t.Errorf("the enterprise with full figures does not rank first: %q", first)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), "统一社会信用代码") || strings.Count(string(b), "\n") < 2 {
		t.Fatalf("the sheet: %v %q", err, b)
	}
	if _, _, err := run(t, "", "points", "--db", db, "--year", "2025", "--weights", "rd-expense=40,class2-ip=0"); err != nil {
		t.Errorf("re-weighting: %v", err)
	}
	if _, _, err := run(t, "", "points", "--db", db, "--year", "2025", "--weights", "rd-expense"); err == nil || !strings.Contains(err.Error(), "--weights") {
		t.Errorf("bad weights: %v", err)
	}
	if _, _, err := run(t, "", "points", "--db", db, "--year", "2025", "--weights", "nope=3"); err == nil {
		t.Error("a weight for an unknown indicator was accepted")
	}
	board, _, err := run(t, "", "points", "--db", db, "--year", "2025", "--eligible", "size(ip) > 0 || last.rd_expense >= wan(100)",
		"--name", "“硬科技”企业榜单", "--method", "有知识产权或研发费用不低于100万元，按默认指标体系排名", "--top", "5")
	if err != nil || !strings.Contains(board, "评选方法") || !strings.Contains(board, "与上年相比") || !strings.Contains(board, "名次") {
		t.Errorf("榜单: %v\n%s", err, board)
	}
	if _, _, err := run(t, "", "points", "--db", db, "--year", "2025", "--eligible", "last.rd_expense", "--name", "x", "--method", "m"); err == nil {
		t.Error("a rule that is not a condition was accepted")
	}
	set, _, err := run(t, "", "points", "--print-set")
	if err != nil || !strings.Contains(set, "LOCAL CONFIGURATION") {
		t.Errorf("--print-set: %v", err)
	}
}

// kechuang ladder --jurisdiction: counts per rung and year, the year's
// flows (checked against the counts), ranked candidates; JSON too; bad flags refused.
func TestLadderJurisdiction(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "300", "--db", db); err != nil {
		t.Fatal(err)
	}
	msg, _, err := run(t, "", "ladder", "--db", db, "--jurisdiction", "620600", "--year", "2025", "--top", "2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"各梯队年末数量", "2025年流动", "核对一致", "高新技术企业", "按接近程度排列"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the ladder does not show %q:\n%s", want, msg)
		}
	}
	js, _, err := run(t, "", "ladder", "--db", db, "--jurisdiction", "620600", "--year", "2025", "--json")
	if err != nil || !strings.Contains(js, `"counts"`) || !strings.Contains(js, `"candidates"`) {
		t.Errorf("--json: %v %.200s", err, js)
	}
	if _, _, err := run(t, "", "ladder", "--db", db, "--jurisdiction", "620600"); err == nil {
		t.Error("no --year was accepted")
	}
}

func TestPools(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "300", "--db", db); err != nil {
		t.Fatal(err)
	}
	msg, _, err := run(t, "", "pools", "--db", db, "--jurisdiction", "130407")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"肥乡区高新技术企业培育库（fx_hte_pool）", "地方配置", "入库触发资金条款：fx-hte-pool", "审批程序"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the pools list does not show %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "武威") {
		t.Errorf("肥乡's pools list shows 武威's:\n%s", msg)
	}
	all, _, err := run(t, "", "pools", "--db", db)
	if err != nil || strings.Count(all, "培育库（") != 8 {
		t.Errorf("every pool: %v, %d pools\n%s", err, strings.Count(all, "培育库（"), all)
	}
	cands, _, err := run(t, "", "pools", "--db", db, "--pool", "fx_hte_pool", "--top", "3")
	if err != nil || !strings.Contains(cands, "候选企业") {
		t.Errorf("candidates: %v\n%s", err, cands)
	}
	if _, _, err := run(t, "", "pools", "--db", db, "--pool", "nope"); err == nil {
		t.Error("an unknown pool was accepted")
	}
	if _, _, err := run(t, "", "pools"); err == nil {
		t.Error("no --db was accepted")
	}
}
