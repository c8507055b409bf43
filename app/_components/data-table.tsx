/** A table of records: header row from column names, rows as children, scrolls sideways when narrow. */
import type { ReactNode } from "react";

export interface Column {
  label: string;
  /** Announced to screen readers only (e.g. an actions column). */
  visuallyHidden?: boolean;
  className?: string;
}

export function DataTable({
  columns,
  children,
}: {
  columns: (Column | false)[];
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto rounded-md border border-border">
      <table className="w-full text-left text-sm">
        <thead className="bg-panel text-muted">
          <tr>
            {columns
              .filter((column): column is Column => column !== false)
              .map((column) => (
                <th
                  key={column.label}
                  scope="col"
                  className={`px-3 py-2 font-medium ${column.className ?? ""}`}
                >
                  {column.visuallyHidden ? (
                    <span className="sr-only">{column.label}</span>
                  ) : (
                    column.label
                  )}
                </th>
              ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
