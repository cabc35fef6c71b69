package account

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
)

func departmentByName(ctx context.Context, q db.Queryer, name string) (Department, error) {
	const stmt = `SELECT id, parent_id, name, kind, path, sort_order FROM departments WHERE name = ?`
	var d Department
	if err := q.GetContext(ctx, &d, q.Rebind(stmt), name); err != nil {
		return d, db.MapError(err, ErrDepartmentNotFound, nil)
	}
	return d, nil
}

// EnsureDepartment returns the department called name, creating it under
// parent (a name, or "" for a root) when it does not exist. Running it twice
// creates nothing the second time.
func (s *Service) EnsureDepartment(ctx context.Context, name, parent, kind string, order int) (Department, error) {
	var out Department
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		out, err = EnsureDepartmentTx(ctx, tx, name, parent, kind, order)
		return err
	})
	return out, err
}

// EnsureDepartmentTx is EnsureDepartment inside the caller's transaction (bulk
// imports name departments that may not exist yet).
func EnsureDepartmentTx(ctx context.Context, tx *sqlx.Tx, name, parent, kind string, order int) (Department, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 64 {
		return Department{}, fmt.Errorf("account: department name %q invalid", name)
	}
	d, err := departmentByName(ctx, tx, name)
	if err == nil {
		return d, nil
	}
	if !errors.Is(err, ErrDepartmentNotFound) {
		return Department{}, err
	}
	var parentID any
	parentPath := "/"
	if parent != "" {
		p, err := departmentByName(ctx, tx, parent)
		if err != nil {
			return Department{}, err
		}
		parentID, parentPath = p.ID, p.Path
	}
	const ins = `INSERT INTO departments (parent_id, name, kind, path, sort_order) VALUES (?, ?, ?, '/', ?) RETURNING id`
	var id int64
	if err := tx.QueryRowxContext(ctx, tx.Rebind(ins), parentID, name, kind, order).Scan(&id); err != nil {
		return Department{}, db.MapErrorIn("account.EnsureDepartmentTx", err, nil, nil)
	}
	path := parentPath + strconv.FormatInt(id, 10) + "/"
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE departments SET path = ? WHERE id = ?`), path, id); err != nil {
		return Department{}, err
	}
	return departmentByName(ctx, tx, name)
}

// Departments lists the whole tree, parents before children.
func (s *Service) Departments(ctx context.Context) ([]Department, error) {
	const stmt = `SELECT id, parent_id, name, kind, path, sort_order FROM departments ORDER BY path, sort_order`
	var ds []Department
	if err := s.db.SelectContext(ctx, &ds, stmt); err != nil {
		return nil, db.MapErrorIn("account.Departments", err, nil, nil)
	}
	return ds, nil
}

// InSubtree reports whether a department path lies under (or is) root's path.
func InSubtree(rootPath, path string) bool {
	return rootPath != "" && strings.HasPrefix(path, rootPath)
}
