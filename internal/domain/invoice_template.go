package domain

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Frequency is the unit of a recurring invoice's period.
type Frequency string

const (
	FrequencyWeekly    Frequency = "weekly"
	FrequencyMonthly   Frequency = "monthly"
	FrequencyQuarterly Frequency = "quarterly"
	FrequencyYearly    Frequency = "yearly"
)

// Frequencies lists the frequencies a template may have.
func Frequencies() []Frequency {
	return []Frequency{FrequencyWeekly, FrequencyMonthly, FrequencyQuarterly, FrequencyYearly}
}

// Bounds of a template's schedule.
const (
	MaxTemplateInterval = 120    // every 120 units at most (ten years of months)
	MaxTemplateCount    = 100000 // invoices one template may generate
)

// JobKindInvoiceRecurring generates the due invoices of one template
// (payload: InvoiceRecurringPayload). The worker's scheduler enqueues it for
// every due template; see usecase.InvoiceTemplateService.
const JobKindInvoiceRecurring = "invoice.recurring"

// InvoiceRecurringPayload is the payload of an invoice.recurring job.
type InvoiceRecurringPayload struct {
	TemplateID int64 `json:"template_id"`
}

// InvoiceRecurringKey is the idempotency key of the invoice.recurring job of
// a template in a given state (its version moves on with every generated
// period and every change): every worker's scheduler may enqueue it, one job
// results. A dead job keeps its key, so a template whose generation keeps
// failing is not enqueued again until it changes or the job is retried.
func InvoiceRecurringKey(templateID, version int64) string {
	return fmt.Sprintf("%s:%d:v%d", JobKindInvoiceRecurring, templateID, version)
}

// PeriodDate is the date of period n (0 is the anchor itself) of a schedule
// starting on anchor and repeating every interval units of f. Months are
// counted from the anchor, not from the previous period, and a day the
// target month lacks becomes its last day: monthly from January 31 gives
// February 28 (29 in a leap year), March 31, April 30; yearly from February
// 29 gives February 28 in common years and February 29 again in leap years.
func PeriodDate(anchor time.Time, f Frequency, interval, n int) time.Time {
	anchor = anchor.UTC().Truncate(24 * time.Hour)
	steps := interval * n
	switch f {
	case FrequencyWeekly:
		return anchor.AddDate(0, 0, 7*steps)
	case FrequencyMonthly:
		return addMonthsClamped(anchor, steps)
	case FrequencyQuarterly:
		return addMonthsClamped(anchor, 3*steps)
	case FrequencyYearly:
		return addMonthsClamped(anchor, 12*steps)
	}
	panic(fmt.Sprintf("domain: unknown frequency %q", f))
}

// addMonthsClamped adds months to t, keeping its day unless the target month
// is shorter (time.AddDate would roll January 31 + 1 month into March).
func addMonthsClamped(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + months
	year := y + total/12
	month := total % 12
	if month < 0 {
		month += 12
		year--
	}
	last := time.Date(year, time.Month(month+2), 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(year, time.Month(month+1), min(d, last), 0, 0, 0, 0, time.UTC)
}

// InvoiceTemplate is a recurring invoice: the recipe of an invoice (third
// party, lines, currency, note) and its schedule. Each period's invoice is
// dated on the period's date; NextDate is the next period still to generate.
type InvoiceTemplate struct {
	ID           int64
	ThirdPartyID int64
	Currency     string
	Note         string
	// Lines are kept as the client sent them: a product line without a
	// price or VAT rate takes the product's at each generation.
	Lines     []LineInput
	Frequency Frequency
	Interval  int
	// AnchorDate and AnchorCount place the schedule: period k (counting
	// every generated invoice) is PeriodDate(AnchorDate, k−AnchorCount).
	// Changing the next date, frequency or interval re-anchors on the next
	// date, so the day of month of the first date is kept, not the clamped
	// one of a short month.
	AnchorDate     time.Time
	AnchorCount    int
	NextDate       time.Time
	EndDate        *time.Time // last date a period may fall on (inclusive); nil: none
	MaxCount       *int       // invoices to generate in all; nil: no limit
	GeneratedCount int
	AutoValidate   bool // validate each generated invoice (numbering, stock) at once
	AutoSend       bool // and e-mail it to the third party; needs AutoValidate
	Active         bool // false pauses the template
	// Version moves on with every change and every generated period: it
	// names the state the scheduler saw (InvoiceRecurringKey).
	Version   int64
	CreatedBy int64 // the user the generated invoices are created (and validated) as
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Finished reports whether the template has generated everything it will:
// its count is reached or its next period falls after its end date.
func (t *InvoiceTemplate) Finished() bool {
	return (t.MaxCount != nil && t.GeneratedCount >= *t.MaxCount) || (t.EndDate != nil && t.NextDate.After(*t.EndDate))
}

// Due reports whether the period at NextDate is to be generated on today.
func (t *InvoiceTemplate) Due(today time.Time) bool {
	return t.Active && !t.Finished() && !t.NextDate.After(today)
}

// Draft is the invoice of the period at NextDate: dated on it, due by the
// usual rule of a new draft.
func (t *InvoiceTemplate) Draft() DraftInput {
	return DraftInput{
		ThirdPartyID: t.ThirdPartyID, Date: t.NextDate, Currency: t.Currency, Note: t.Note,
		Lines: slices.Clone(t.Lines),
	}
}

// Advance records that the period at NextDate was generated and moves
// NextDate to the following one.
func (t *InvoiceTemplate) Advance(at time.Time) {
	t.GeneratedCount++
	t.NextDate = PeriodDate(t.AnchorDate, t.Frequency, t.Interval, t.GeneratedCount-t.AnchorCount)
	t.Version++
	t.UpdatedAt = at
}

// NewInvoiceTemplate checks a new template and anchors its schedule on its
// first date. Never returns a nil template.
func NewInvoiceTemplate(t InvoiceTemplate) (*InvoiceTemplate, error) {
	t.ID, t.GeneratedCount, t.Version = 0, 0, 1
	t.NextDate = t.NextDate.UTC().Truncate(24 * time.Hour)
	t.AnchorDate, t.AnchorCount = t.NextDate, 0
	v := t.Check()
	t.checkEnd(v)
	return &t, v.OrNil()
}

// checkEnd refuses an end date before the next date, which would leave
// nothing to generate (checked when either is set: a template that reached
// its end date has its next date past it).
func (t *InvoiceTemplate) checkEnd(v *ValidationError) {
	if t.EndDate != nil && !t.NextDate.IsZero() && t.EndDate.Before(t.NextDate) {
		v.Add("end_date", "must not be before next_date: the template would generate nothing")
	}
}

// Check validates the template's own fields (the third party and products
// are checked against the stores by the use case). Never nil.
func (t *InvoiceTemplate) Check() *ValidationError {
	v := &ValidationError{}
	if t.ThirdPartyID <= 0 {
		v.Add("thirdparty_id", "is required")
	}
	CheckCurrency(v, "currency", t.Currency)
	checkLen(v, "note", t.Note, MaxNoteLen)
	if len(t.Lines) == 0 {
		v.Add("lines", "must hold at least one line: an invoice without lines cannot be validated")
	} else {
		checkTemplateLines(v, t.Lines)
	}
	if !slices.Contains(Frequencies(), t.Frequency) {
		v.Add("frequency", "must be one of weekly, monthly, quarterly, yearly")
	}
	if t.Interval < 1 || t.Interval > MaxTemplateInterval {
		v.Add("interval", "must be a whole number from 1 to %d", MaxTemplateInterval)
	}
	if t.NextDate.IsZero() {
		v.Add("next_date", "is required")
	}
	if t.MaxCount != nil && (*t.MaxCount < 1 || *t.MaxCount > MaxTemplateCount) {
		v.Add("max_count", "must be a whole number from 1 to %d", MaxTemplateCount)
	}
	if t.AutoSend && !t.AutoValidate {
		v.Add("auto_send", "needs auto_validate: only a validated invoice is sent")
	}
	return v
}

// checkTemplateLines checks lines as buildLines does, a product line's
// missing price and rate being filled at each generation.
func checkTemplateLines(v *ValidationError, in []LineInput) {
	lines := slices.Clone(in)
	for i := range lines {
		if lines[i].ProductID > 0 {
			lines[i].FillFromProduct(ProductLineDefaults{})
		}
	}
	buildLines(v, lines, 0) // the default limit: the configured one applies again at each generation
}

// InvoiceTemplatePatch is a partial update; nil fields stay as they are.
type InvoiceTemplatePatch struct {
	ThirdPartyID *int64
	Currency     *string
	Note         *string
	Lines        *[]LineInput
	Frequency    *Frequency
	Interval     *int
	NextDate     *time.Time
	EndDate      *time.Time
	ClearEndDate bool
	MaxCount     *int
	ClearMax     bool
	AutoValidate *bool
	AutoSend     *bool
	Active       *bool
}

// Apply changes the template. A new next date, frequency or interval
// re-anchors the schedule on the (new) next date.
func (t *InvoiceTemplate) Apply(p InvoiceTemplatePatch, at time.Time) error {
	reanchor := p.NextDate != nil || p.Frequency != nil || p.Interval != nil
	setIf(&t.ThirdPartyID, p.ThirdPartyID)
	setIf(&t.Currency, p.Currency)
	setIf(&t.Note, p.Note)
	setIf(&t.Lines, p.Lines)
	setIf(&t.Frequency, p.Frequency)
	setIf(&t.Interval, p.Interval)
	setIf(&t.AutoValidate, p.AutoValidate)
	setIf(&t.AutoSend, p.AutoSend)
	setIf(&t.Active, p.Active)
	if p.NextDate != nil {
		t.NextDate = p.NextDate.UTC().Truncate(24 * time.Hour)
	}
	if p.ClearEndDate {
		t.EndDate = nil
	}
	if p.EndDate != nil {
		t.EndDate = p.EndDate
	}
	if p.ClearMax {
		t.MaxCount = nil
	}
	if p.MaxCount != nil {
		t.MaxCount = p.MaxCount
	}
	if reanchor {
		t.AnchorDate, t.AnchorCount = t.NextDate, t.GeneratedCount
	}
	v := t.Check()
	if p.EndDate != nil || p.NextDate != nil {
		t.checkEnd(v)
	}
	t.Version++
	t.UpdatedAt = at
	return v.OrNil()
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// InvoiceTemplateSortFields are the fields a template list sorts by.
var InvoiceTemplateSortFields = []string{"id", "next_date", "created_at", "updated_at"}

// InvoiceTemplateFilter narrows a list of templates; zero values do not filter.
type InvoiceTemplateFilter struct {
	ListQuery
	ThirdPartyID int64
	Active       *bool
}

// InvoiceTemplateReader is the read side of InvoiceTemplateRepository.
type InvoiceTemplateReader interface {
	Get(ctx context.Context, id int64) (*InvoiceTemplate, error)
	List(ctx context.Context, f InvoiceTemplateFilter) (Page[*InvoiceTemplate], error)
	// Due returns up to limit active, unfinished templates whose next date
	// is on or before today, with ids above afterID, by id.
	Due(ctx context.Context, today time.Time, afterID int64, limit int) ([]*InvoiceTemplate, error)
}

// InvoiceTemplateRepository stores recurring invoice templates and the
// record of the periods they generated.
type InvoiceTemplateRepository interface {
	InvoiceTemplateReader
	Create(ctx context.Context, t *InvoiceTemplate) error
	// Lock is Get holding the template's row until the unit of work ends:
	// generations of one template run one after the other.
	Lock(ctx context.Context, id int64) (*InvoiceTemplate, error)
	Save(ctx context.Context, t *InvoiceTemplate) error
	Delete(ctx context.Context, id int64) error
	// RecordPeriod records that the template's period on date produced
	// invoice documentID. The pair (template, period) is unique in the
	// database: a second record of it is an ErrConflict
	// ("period-generated"), so a period can never have two invoices.
	RecordPeriod(ctx context.Context, templateID int64, period time.Time, documentID int64, at time.Time) error
}

// ErrPeriodGenerated is the conflict of a period recorded twice.
func ErrPeriodGenerated(templateID int64, period time.Time) error {
	return Conflictf("period-generated", "invoice template %d already generated its period of %s",
		templateID, period.Format(time.DateOnly))
}
