import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import { EXPORT_COLUMNS, EXPORT_SCHEMA_VERSION, NULLABLE_COLUMNS, columnValue, type ColumnKind, type ExportColumnName, type ExportRecord } from './schema';

/**
 * Parquet types per column kind. Integers are INT64 (ids and epoch-ms times overflow INT32);
 * nested columns are plain UTF-8 strings holding JSON rather than Parquet LISTs: states differ
 * in shape between environments (grid5 objects, cartpole vectors), and one string column loads
 * the same way in pandas, pyarrow and `datasets` whatever the run. (The JSON converted type is
 * avoided on purpose: some pyarrow versions read it as binary or an extension type.) The one
 * exception is the action-vector columns, whose shape is fixed (steps x action dimensions of
 * doubles): a real list column, ready for numpy without a parse.
 */
function schemaElements(name: ExportColumnName, kind: ColumnKind): SchemaElement[] {
  const repetition_type = NULLABLE_COLUMNS.has(name) ? 'OPTIONAL' : 'REQUIRED';
  switch (kind) {
    case 'vectors':
      // The standard three-level LIST, twice: a list (steps) of lists (action dimensions) of doubles.
      return [
        { name, repetition_type, converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      ];
    default:
      return [scalarElement(name, kind, repetition_type)];
  }
}

function scalarElement(name: ExportColumnName, kind: Exclude<ColumnKind, 'vectors'>, repetition_type: 'OPTIONAL' | 'REQUIRED'): SchemaElement {
  switch (kind) {
    case 'int':
      return { name, type: 'INT64', repetition_type };
    case 'float':
      return { name, type: 'DOUBLE', repetition_type };
    case 'string':
    case 'json':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
  }
}

export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: EXPORT_COLUMNS.length },
  ...EXPORT_COLUMNS.flatMap(([name, kind]) => schemaElements(name, kind)),
];

/** A ByteWriter whose bytes are taken out after each row group, so the buffer never holds the file. */
class DrainingWriter extends ByteWriter {
  take(): Uint8Array {
    const bytes = new Uint8Array(this.buffer, 0, this.index).slice();
    // `offset` (the file position) keeps counting: the footer's row-group offsets rely on it.
    this.index = 0;
    return bytes;
  }
}

function columnsOf(page: ExportRecord[]): ColumnSource[] {
  return EXPORT_COLUMNS.map(([name, kind]) => ({
    name,
    data: page.map((record) => {
      const value = columnValue(record, name);
      if (value === null) return null;
      if (kind === 'int') return BigInt(value as number);
      // Vector actions are parsed here only: the string columns keep the stored text as it is.
      return kind === 'vectors' ? (JSON.parse(value as string) as number[][]) : value;
    }),
    // One offset index entry per column per row group would pile up in memory until the footer.
    offsetIndex: false,
  }));
}

/**
 * Parquet bytes: the header, then one row group per page (yielded as soon as it is encoded),
 * then the footer. Peak memory is one page plus its encoding, not the dataset.
 */
export async function* parquetChunks(pages: AsyncIterable<ExportRecord[]> | Iterable<ExportRecord[]>): AsyncGenerator<Uint8Array, void, undefined> {
  const writer = new DrainingWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: PARQUET_SCHEMA,
    kvMetadata: [{ key: 'sobirl.export_schema_version', value: String(EXPORT_SCHEMA_VERSION) }],
    createdBy: 'sobirl-label export',
  });
  for await (const page of pages) {
    // Synchronous here: the writer has no async flush.
    void parquet.write({ columnData: columnsOf(page), rowGroupSize: page.length });
    yield writer.take();
  }
  void parquet.finish();
  yield writer.take();
}
