package money

import (
	"fmt"
	"slices"
)

// Split divides amount in proportion to shares (e.g. 4, 3, 3 for
// 40%/30%/30%, 分年度按比例拨付) exactly: each part is its share rounded down
// to the fen, and the fen left over go one each to the parts with the
// largest remainders (the earlier on a tie), so the parts sum to the whole
// and each is within a fen of its exact share.
func Split(amount Fen, shares []int64) ([]Fen, error) {
	if amount < 0 {
		return nil, fmt.Errorf("a negative amount (%s) cannot be split", amount)
	}
	if len(shares) == 0 {
		return nil, fmt.Errorf("no shares to split %s by", amount)
	}
	var total int64
	for i, s := range shares {
		if s <= 0 || s > 1_000_000 {
			return nil, fmt.Errorf("share %d (%d) must be 1–1000000", i+1, s)
		}
		total += s
	}
	out := make([]Fen, len(shares))
	rem := make([]int64, len(shares))
	var given Fen
	for i, s := range shares {
		// amount·s/total without overflow: amount/total·s + (amount%total)·s/total
		q := int64(amount) / total * s
		r := int64(amount) % total * s
		q += r / total
		rem[i] = r % total
		out[i] = Fen(q)
		given += Fen(q)
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for k := 0; given < amount; k++ {
		out[order[k%len(order)]]++
		given++
	}
	return out, nil
}
