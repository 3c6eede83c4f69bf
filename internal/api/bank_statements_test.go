package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// reconciler holds what importing and matching statements needs.
const reconciler = "bank:read,bank:reconcile"

type statementAPI struct {
	*stockAPI
}

func newStatementAPI(t *testing.T, dialect string) *statementAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewBankStatementRoutes(usecase.NewBankStatementService(uow, time.Now), 1<<20))
	return &statementAPI{&stockAPI{e: e, db: db}}
}

// upload posts a statement file of contentType as token.
func (a *statementAPI) upload(token, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set(echo.HeaderContentType, contentType)
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+token)
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	return rec
}

func (a *statementAPI) json(t *testing.T, rec *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (a *statementAPI) account(t *testing.T, iban string) int64 {
	t.Helper()
	ref := fmt.Sprintf("BA%d", time.Now().UnixNano())
	if err := a.db.Gorm.Table("bank_accounts").Create(map[string]any{"ref": ref, "label": "Main", "iban": iban, "currency": "EUR",
		"opening_date": time.Now(), "created_at": time.Now(), "updated_at": time.Now()}).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := a.db.Gorm.Table("bank_accounts").Select("id").Where("ref = ?", ref).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func (a *statementAPI) bankLine(t *testing.T, account int64, on, amount string) int64 {
	t.Helper()
	d, _ := time.Parse(time.DateOnly, on)
	if err := a.db.Gorm.Table("bank_lines").Create(map[string]any{"account_id": account, "line_date": d, "amount": amount, "reconciled": false,
		"label": "line", "balance_after": "0", "kind": "transfer", "created_at": time.Now()}).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := a.db.Gorm.Table("bank_lines").Select("MAX(id)").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func lineAt(s map[string]any, i int) map[string]any { return s["lines"].([]any)[i].(map[string]any) }

func TestBankStatementsAPI(t *testing.T) {
	camt, err := os.ReadFile("../infrastructure/bankstatement/testdata/camt053_fr_001_02.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newStatementAPI(t, d)
			acct := a.account(t, "FR7630006000011234567890189")
			in := a.bankLine(t, acct, "2026-11-08", "600")  // the 600 of the 9th, a day before
			fee := a.bankLine(t, acct, "2026-11-13", "-12") // the fee of the 9th, 4 days after: no match
			path := fmt.Sprintf("/api/v1/bank-accounts/%d/statements", acct)

			s := a.json(t, a.upload(reconciler, path, "application/xml", string(camt)), http.StatusCreated)
			if s["format"] != "camt.053" || s["iban"] != "FR7630006000011234567890189" || s["external_id"] != "00412-20261109" ||
				len(s["lines"].([]any)) != 4 || s["known_lines"] != float64(0) {
				t.Fatalf("imported %v", s)
			}
			first := lineAt(s, 0)
			if first["amount"] != "600.00" || first["date"] != "2026-11-09" || first["matched_bank_line_id"] != float64(in) ||
				!strings.Contains(first["label"].(string), "LÉA") {
				t.Fatalf("first line %v", first)
			}
			if l := lineAt(s, 3); l["amount"] != "-12.00" || l["matched_bank_line_id"] != nil {
				t.Fatalf("the fee %v", l)
			}

			again := a.json(t, a.upload(reconciler, path, "application/xml", string(camt)), http.StatusOK)
			if again["id"] != s["id"] || again["known_lines"] != float64(4) || len(again["lines"].([]any)) != 4 {
				t.Fatalf("imported again: %v", again)
			}
			// A CSV export overlapping the CAMT file: the fee of the 9th is the
			// same line (same date, amount, label, reference), not imported again.
			csv := a.json(t, a.upload(reconciler, path, "text/csv; charset=utf-8",
				"date,amount,label,reference\n2026-11-09,-12,FRAIS TENUE DE COMPTE,\n2026-11-12,-12,FRAIS,\n"), http.StatusCreated)
			if csv["format"] != "csv" || len(csv["lines"].([]any)) != 1 || csv["known_lines"] != float64(1) ||
				lineAt(csv, 0)["matched_bank_line_id"] != float64(fee) {
				t.Fatalf("csv %v", csv)
			}

			// Refused files, with nothing written.
			checkProblem(t, a.upload(reconciler, fmt.Sprintf("/api/v1/bank-accounts/%d/statements", a.account(t, "DE02120300000000202051")),
				"application/xml", string(camt)), http.StatusUnprocessableEntity, "validation", "Stmt/Acct/Id/IBAN")
			bad := strings.Replace(string(camt), "42.30</Amt>", "42,30</Amt>", 1)
			checkProblem(t, a.upload(reconciler, path, "application/xml", bad), http.StatusUnprocessableEntity, "validation", "Ntry[2]/Amt")
			checkProblem(t, a.upload(reconciler, path, "application/xml", strings.Replace(string(camt), "camt.053.001.02", "camt.054.001.02", 1)),
				http.StatusUnprocessableEntity, "validation", "Document")
			checkProblem(t, a.upload(reconciler, path, "text/csv", "date,amount\n2026-11-09,\"12,3\"\n"), http.StatusUnprocessableEntity, "validation", "amount")
			checkProblem(t, a.upload(reconciler, path, "text/plain", "x"), http.StatusUnsupportedMediaType, "unsupported-media-type")
			checkProblem(t, a.upload(reconciler, path, "application/xml", strings.Repeat(" ", 1<<20+1)), http.StatusRequestEntityTooLarge, "body-too-large")
			checkProblem(t, a.upload(reconciler, "/api/v1/bank-accounts/99999999/statements", "text/csv", "date,amount\n2026-11-09,1\n"), http.StatusNotFound, "not-found")
			checkProblem(t, a.upload("bank:read", path, "text/csv", "date,amount\n2026-11-09,1\n"), http.StatusForbidden, "forbidden")

			// Reading.
			get := a.json(t, a.send(reconciler, "GET", fmt.Sprintf("/api/v1/bank-statements/%v", s["id"]), ""), http.StatusOK)
			if len(get["lines"].([]any)) != 4 || get["known_lines"] != nil {
				t.Fatalf("get %v", get)
			}
			checkProblem(t, a.send(reconciler, "GET", "/api/v1/bank-statements/99999999", ""), http.StatusNotFound, "not-found")
			checkProblem(t, a.send("bank:reconcile", "GET", fmt.Sprintf("/api/v1/bank-statements/%v", s["id"]), ""), http.StatusForbidden, "forbidden")

			// By hand: the first fee line of the CAMT file is the -12 bank line of another day.
			feeLine := fmt.Sprintf("/api/v1/bank-statement-lines/%v", lineAt(s, 3)["id"])
			other := a.bankLine(t, acct, "2026-11-30", "-12")
			m := a.json(t, a.send(reconciler, "POST", feeLine+"/match", fmt.Sprintf(`{"bank_line_id":%d}`, other)), http.StatusOK)
			if m["matched_bank_line_id"] != float64(other) {
				t.Fatalf("matched %v", m)
			}
			if g := a.json(t, a.send(reconciler, "GET", feeLine, ""), http.StatusOK); g["matched_bank_line_id"] != float64(other) {
				t.Fatalf("line %v", g)
			}
			checkProblem(t, a.send(reconciler, "POST", feeLine+"/match", fmt.Sprintf(`{"bank_line_id":%d}`, other)), http.StatusConflict, "already-matched")
			firstLine := fmt.Sprintf("/api/v1/bank-statement-lines/%v", first["id"])
			a.json(t, a.send(reconciler, "POST", firstLine+"/unmatch", ""), http.StatusOK)
			checkProblem(t, a.send(reconciler, "POST", firstLine+"/match", fmt.Sprintf(`{"bank_line_id":%d}`, fee)), http.StatusUnprocessableEntity, "validation", "bank_line_id")
			checkProblem(t, a.send(reconciler, "POST", firstLine+"/match", `{}`), http.StatusUnprocessableEntity, "validation", "bank_line_id")
			checkProblem(t, a.send(reconciler, "POST", firstLine+"/match", `{"bank_line_id":1,"x":2}`), http.StatusUnprocessableEntity, "validation", "x")
			checkProblem(t, a.send(reconciler, "POST", "/api/v1/bank-statement-lines/99999999/match", `{"bank_line_id":1}`), http.StatusNotFound, "not-found")
			u := a.json(t, a.send(reconciler, "POST", feeLine+"/unmatch", ""), http.StatusOK)
			if u["matched_bank_line_id"] != nil {
				t.Fatalf("unmatched %v", u)
			}
			checkProblem(t, a.send(reconciler, "POST", feeLine+"/unmatch", ""), http.StatusConflict, "not-matched")
			checkProblem(t, a.send("bank:read", "POST", feeLine+"/unmatch", ""), http.StatusForbidden, "forbidden")
		})
	}
}
