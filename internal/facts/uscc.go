package facts

import "fmt"

// 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-character alphabet
// (digits and capitals without I, O, Z, S, V); the last is a check character.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckUSCC validates a 统一社会信用代码 including its check character.
func CheckUSCC(s string) error {
	if len(s) != 18 {
		return fmt.Errorf("统一社会信用代码 %q must be 18 characters, not %d", s, len(s))
	}
	sum := 0
	for i := range 17 {
		v := indexOf(s[i])
		if v < 0 {
			return fmt.Errorf("统一社会信用代码 %q: character %d (%q) is not allowed (digits and capitals except I, O, Z, S, V)", s, i+1, s[i])
		}
		sum += v * usccWeights[i]
	}
	want := (31 - sum%31) % 31
	if got := indexOf(s[17]); got != want {
		return fmt.Errorf("统一社会信用代码 %q: check character is %q but should be %q — a character was mistyped", s, s[17], usccAlphabet[want])
	}
	return nil
}

func indexOf(c byte) int {
	for i := range len(usccAlphabet) {
		if usccAlphabet[i] == c {
			return i
		}
	}
	return -1
}

// USCCCheckChar computes the check character for the first 17 characters.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("need 17 characters")
	}
	sum := 0
	for i := range 17 {
		v := indexOf(first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %d not allowed", i+1)
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}
