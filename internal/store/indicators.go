package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"kechuang/internal/errs"
)

// IndicatorValue is one value of an indicator for a region and year.
type IndicatorValue struct {
	ID        int64
	Indicator string
	Region    string
	Period    int
	Value     string // decimal, in the indicator's unit
	Source    string
	Vintage   string // preliminary, final
	EnteredBy string
	EnteredAt string
	Note      string
}

var (
	valueRE  = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	regionRE = regexp.MustCompile(`^[1-9][0-9]{5}$`)
)

// Validate checks a value before it is stored, naming the field at fault.
func (v IndicatorValue) Validate() error {
	var l errs.List
	bad := func(field, format string, args ...any) {
		l = append(l, errs.At(errs.Pos{Path: field}, format, args...))
	}
	if v.Indicator == "" {
		bad("indicator", "which indicator: give its registry id")
	}
	if !regionRE.MatchString(v.Region) {
		bad("region", "region %q: a six-digit GB/T 2260 code such as 620600", v.Region)
	}
	if v.Period < 1949 || v.Period > 2100 {
		bad("period", "reference year %d is not a year", v.Period)
	}
	if !valueRE.MatchString(v.Value) {
		bad("value", "value %q: a number in the indicator's unit (digits, a decimal point; no unit, no thousands separators)", v.Value)
	}
	if strings.TrimSpace(v.Source) == "" {
		bad("source", "say where the value comes from (统计公报, 财政决算 …)")
	}
	if v.Vintage != "preliminary" && v.Vintage != "final" {
		bad("vintage", "vintage %q: preliminary (初步) or final (最终)", v.Vintage)
	}
	if v.EnteredBy == "" {
		bad("entered_by", "who entered it")
	}
	return l.Err()
}

// PutIndicatorValues stores values in one transaction, all or none, each
// with an audit entry.
func (db *DB) PutIndicatorValues(ctx context.Context, vs []IndicatorValue) (err error) {
	defer errs.Wrap(&err, "store.PutIndicatorValues")
	for i, v := range vs {
		if err := v.Validate(); err != nil {
			return errs.E(errs.Invalid, "value %d (%s %s %d): %v", i+1, v.Indicator, v.Region, v.Period, err)
		}
	}
	now := db.stamp()
	return db.transact(ctx, func(tx *sql.Tx) error {
		for _, v := range vs {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO indicator_values (indicator, region, period, value, source, vintage, entered_by, entered_at, note)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				v.Indicator, v.Region, v.Period, v.Value, v.Source, v.Vintage, v.EnteredBy, now, v.Note); err != nil {
				return err
			}
			if err := db.audit(ctx, tx, v.EnteredBy, "indicator.put", fmt.Sprintf("indicator/%s/%s/%d", v.Indicator, v.Region, v.Period), "",
				fmt.Sprintf("%s（%s，%s）%s", v.Value, v.Source, v.Vintage, v.Note)); err != nil {
				return err
			}
		}
		return nil
	})
}

// IndicatorValues returns the values in force of indicator for region, one
// per year in ascending order: of a year's rows the latest final one, else
// the latest preliminary one. With history, every row, oldest first.
func (db *DB) IndicatorValues(ctx context.Context, indicator, region string, history bool) (out []IndicatorValue, err error) {
	defer errs.Wrap(&err, "store.IndicatorValues")
	rows, err := db.r.QueryContext(ctx, `
		SELECT id, indicator, region, period, value, source, vintage, entered_by, entered_at, note
		FROM indicator_values WHERE indicator = $1 AND region = $2 ORDER BY period, id`, indicator, region)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []IndicatorValue
	for rows.Next() {
		var v IndicatorValue
		if err := rows.Scan(&v.ID, &v.Indicator, &v.Region, &v.Period, &v.Value, &v.Source, &v.Vintage, &v.EnteredBy, &v.EnteredAt, &v.Note); err != nil {
			return nil, err
		}
		all = append(all, v)
	}
	if err := rows.Err(); err != nil || history {
		return all, err
	}
	for _, v := range all {
		n := len(out)
		switch {
		case n == 0 || out[n-1].Period != v.Period:
			out = append(out, v)
		case v.Vintage == "final" || out[n-1].Vintage == "preliminary":
			out[n-1] = v // later rows win within a vintage; final beats preliminary
		}
	}
	return out, nil
}
