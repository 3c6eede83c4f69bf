package domain

import (
	"strconv"
	"time"
)

// Check digits of the VAT numbers whose national part is also a personal
// number in some of its forms (BG, CZ, LV), or whose checks have other
// shapes (CY's letter, LT's two passes, MT's mod 37). They agree with
// python-stdnum's, including two of its later corrections: a Czech birth
// number whose first 9 digits leave 10 mod 11 ends in 0 whatever the year,
// and Latvian personal codes given since 2017 start with 32 and hold no date.

// checkBG: a legal entity has 9 digits, weights 1…8 mod 11 (when that is
// 10, weights 3…10 mod 11; 10 again is 0). Ten digits are a person's EGN
// (birth date and weights 2,4,8,5,10,9,7,3,6 mod 11 mod 10), a foreigner's
// PNF (weights 21,19,17,13,11,9,7,3,1 mod 10) or another body's number
// (11 − weights 4,3,2,7,6,5,4,3,2 mod 11, where 10 is no check digit): any
// of the three passes.
func checkBG(n string) bool {
	d := digitsOf(n)
	if len(d) == 9 {
		check := weighted(d, 1, 2, 3, 4, 5, 6, 7, 8) % 11
		if check == 10 {
			check = weighted(d, 3, 4, 5, 6, 7, 8, 9, 10) % 11
		}
		return check%10 == d[8]
	}
	return checkBGPerson(d) ||
		weighted(d, 21, 19, 17, 13, 11, 9, 7, 3, 1)%10 == d[9] ||
		(11-weighted(d, 4, 3, 2, 7, 6, 5, 4, 3, 2)%11)%11 == d[9]
}

// checkBGPerson is the EGN: YYMMDD, the month + 20 for births in the 1800s
// and + 40 from 2000, three digits of order, the check digit.
func checkBGPerson(d []int) bool {
	year, month := 1900+d[0]*10+d[1], d[2]*10+d[3]
	switch {
	case month > 40:
		year, month = year+100, month-40
	case month > 20:
		year, month = year-100, month-20
	}
	return validDate(year, month, d[4]*10+d[5]) &&
		weighted(d, 2, 4, 8, 5, 10, 9, 7, 3, 6)%11%10 == d[9]
}

// checkCY: a letter from the 8 digits, those in odd positions (1st, 3rd, …)
// recoded 0→1, 1→0, 2→5, 3→7, 4→9, 5→13 … 9→21, the others as they are,
// summed mod 26 (A = 0). Numbers never start with 12.
func checkCY(n string) bool {
	if n[:2] == "12" {
		return false
	}
	recode := [10]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21}
	sum := 0
	for i, x := range digitsOf(n[:8]) {
		if i%2 == 0 {
			x = recode[x]
		}
		sum += x
	}
	return byte('A'+sum%26) == n[8]
}

// checkCZ: 8 digits are a legal entity (never starting with 9): weights
// 8…2, 11 − sum mod 11, 0 becoming 1 and 10 becoming 0. Nine digits
// starting with 6 are an individual without a birth number: weights 8…2 on
// the 7 middle digits, then a lookup (8 − (10 − sum mod 11) mod 11) mod 10.
// Other 9- and 10-digit numbers are birth numbers.
func checkCZ(n string) bool {
	d := digitsOf(n)
	switch {
	case len(d) == 8:
		check := (11 - weighted(d, 8, 7, 6, 5, 4, 3, 2)%11) % 11
		if check == 0 {
			check = 1
		}
		return d[0] != 9 && check%10 == d[7]
	case len(d) == 9 && d[0] == 6:
		sum := weighted(d[1:], 8, 7, 6, 5, 4, 3, 2) % 11
		return ((8-(10-sum)%11)%10+10)%10 == d[8]
	}
	return checkCZBirthNumber(n, d)
}

// checkCZBirthNumber is the rodné číslo: YYMMDD (women's month + 50, + 20
// when a day's serials ran out, since 2004), then 3 digits until 1953 or 4
// from 1954, the whole 10-digit number divisible by 11 (the first 9 mod 11
// being 10, the check digit is 0).
func checkCZBirthNumber(n string, d []int) bool {
	year := 1900 + d[0]*10 + d[1]
	if len(d) == 9 {
		if year >= 1980 {
			year -= 100
		}
		if year > 1953 {
			return false
		}
	} else if year < 1954 {
		year += 100
	}
	if !validDate(year, (d[2]*10+d[3])%50%20, d[4]*10+d[5]) {
		return false
	}
	if len(d) == 9 {
		return true
	}
	body, _ := strconv.Atoi(n[:9])
	return body%11%10 == d[9]
}

// checkLT: 9 digits for legal entities (the 8th is 1), 12 for temporary
// taxpayers (the 11th is 1). The others are weighted 1…9, 1, 2 mod 11; a
// result of 10 takes a second pass with weights 3…9, 1…4, and a second 10
// is 0.
func checkLT(n string) bool {
	d := digitsOf(n)
	last := len(d) - 1
	if (last == 8 && d[7] != 1) || (last == 11 && d[10] != 1) {
		return false
	}
	pass := func(first int) int {
		sum := 0
		for i, x := range d[:last] {
			sum += ((first-1+i)%9 + 1) * x
		}
		return sum % 11
	}
	check := pass(1)
	if check == 10 {
		check = pass(3)
	}
	return check%10 == d[last]
}

// checkLV: a legal entity starts with 4 or more, and its 11 digits weighted
// 9,1,4,8,3,10,2,5,7,6,1 leave 3 mod 11. A person's number is the personal
// code: DDMMYY and a century digit (0 for the 1800s, 1, 2), or 32 and no
// date (codes given since July 2017); its check digit is 1 + weights
// 10,5,8,4,2,1,6,3,7,9 mod 11 mod 10.
func checkLV(n string) bool {
	d := digitsOf(n)
	if d[0] > 3 {
		return weighted(d, 9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1)%11 == 3
	}
	if n[:2] != "32" && !validDate(1800+d[6]*100+d[4]*10+d[5], d[2]*10+d[3], d[0]*10+d[1]) {
		return false
	}
	return (1+weighted(d, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9))%11%10 == d[10]
}

// checkMT: weights 3,4,6,7,8,9 on the first 6 digits plus the last 2 as a
// number (weights 10, 1) make 0 mod 37.
func checkMT(n string) bool {
	return weighted(digitsOf(n), 3, 4, 6, 7, 8, 9, 10, 1)%37 == 0
}

// validDate tells whether year-month-day is a day of the calendar.
func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return t.Month() == time.Month(month) && t.Day() == day
}
