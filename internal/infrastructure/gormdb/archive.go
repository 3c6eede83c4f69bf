package gormdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

// archivedFileModel is a row of documents: one rendered file of a commercial
// document.
type archivedFileModel struct {
	ID          int64 `gorm:"primaryKey"`
	OwnerType   string
	OwnerID     int64
	Lang        string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string `gorm:"column:sha256"`
	Content     []byte
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	JobID       *int64
}

func (archivedFileModel) TableName() string { return "documents" }

func (m archivedFileModel) file() *domain.ArchivedFile {
	f := &domain.ArchivedFile{
		ID: m.ID, OwnerType: domain.DocType(m.OwnerType), OwnerID: m.OwnerID, Lang: m.Lang, Filename: m.Filename,
		ContentType: m.ContentType, Size: m.Size, SHA256: m.SHA256, Content: m.Content, CreatedAt: m.CreatedAt.UTC(),
	}
	if m.JobID != nil {
		f.JobID = *m.JobID
	}
	return f
}

// archiveMeta is every column but the content: listings never read the bytes.
var archiveMeta = []string{"id", "owner_type", "owner_id", "lang", "filename", "content_type", "size", "sha256", "created_at", "job_id"}

type archiveRepo struct{ db *gorm.DB }

// Add inserts with ON CONFLICT (job_id) DO NOTHING (MySQL: ON DUPLICATE KEY
// UPDATE id = id), so a job that runs twice, even on two workers at once,
// leaves one row and neither run fails.
func (r *archiveRepo) Add(ctx context.Context, f *domain.ArchivedFile) (bool, error) {
	m := archivedFileModel{
		OwnerType: string(f.OwnerType), OwnerID: f.OwnerID, Lang: f.Lang, Filename: f.Filename,
		ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, Content: f.Content,
		CreatedAt: dbTime(f.CreatedAt), JobID: optID(f.JobID),
	}
	res := r.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "job_id"}}, DoNothing: true}).Create(&m)
	if res.Error != nil {
		return false, documentWriteError(fmt.Sprintf("archive the file of %s %d", f.OwnerType, f.OwnerID), res.Error)
	}
	if res.RowsAffected == 1 {
		f.ID, f.CreatedAt = m.ID, m.CreatedAt
		return true, nil
	}
	var existing archivedFileModel
	err := r.db.WithContext(ctx).Select(archiveMeta).Where("job_id = ?", f.JobID).Take(&existing).Error
	if err != nil {
		return false, fmt.Errorf("read the file archived by job %d: %w", f.JobID, err)
	}
	content := f.Content
	*f = *existing.file()
	f.Content = content
	return false, nil
}

func (r *archiveRepo) Get(ctx context.Context, id int64) (*domain.ArchivedFile, error) {
	var m archivedFileModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "document", id); err != nil {
		return nil, err
	}
	return m.file(), nil
}

func (r *archiveRepo) List(ctx context.Context, ownerID int64, q domain.ListQuery) (domain.Page[*domain.ArchivedFile], error) {
	filtered := func() *gorm.DB {
		return r.db.WithContext(ctx).Model(&archivedFileModel{}).Omit("content").Where("owner_id = ?", ownerID)
	}
	page, err := listPage(filtered, q, map[string]string{"id": "id", "created_at": "created_at"}, true, infallible(archivedFileModel.file))
	if err != nil {
		return page, fmt.Errorf("list the files of document %d: %w", ownerID, err)
	}
	return page, nil
}

func (r *archiveRepo) Latest(ctx context.Context, ownerID int64, lang string) (*domain.ArchivedFile, error) {
	var m archivedFileModel
	err := r.db.WithContext(ctx).Where("owner_id = ? AND lang = ?", ownerID, lang).Order("id DESC").Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound(fmt.Sprintf("file in %q of document", lang), ownerID)
	}
	if err != nil {
		return nil, fmt.Errorf("read the latest file of document %d: %w", ownerID, err)
	}
	return m.file(), nil
}
