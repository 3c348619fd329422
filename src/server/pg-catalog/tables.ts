/**
 * The emulated pg_catalog and information_schema tables: their columns (as in PostgreSQL 15, so that
 * client queries find every column they name) and their rows, computed from the catalog snapshot of
 * the statement that scans them. Tables Freshet has nothing for (policies, publications, triggers,
 * enums, ...) exist and are empty, so that queries joining them work.
 */
import type { Field } from '../../types/batch.ts';
import { PG_TYPES, formatPgType, pgType, pgTypeInfo } from '../../types/pg-types.ts';
import { CatalogSnapshot, ClassOid, OWNER_OID, PG_CATALOG_OID, indexDef, type Relation, type SystemTableDef } from './metadata.ts';

/** A row by column name; absent columns are NULL. Values are those of the column's Freshet type. */
export type Row = Record<string, unknown>;

export interface SystemTable extends SystemTableDef {
  rows(snap: CatalogSnapshot): Row[];
}

/** Columns from `name type, ...` with Postgres type names ("char" is spelled char, as in the catalog docs). */
function cols(spec: string, schema: 'pg_catalog' | 'information_schema'): Field[] {
  return spec.trim().split(/\s*,\s*/).map((c) => {
    const [name, written] = c.split(/\s+/) as [string, string | undefined];
    // information_schema's character_data and yes_or_no domains are varchar underneath
    const type = schema === 'information_schema' && (written === undefined || written === 'text') ? 'varchar' : written ?? 'text';
    const t = pgType(type);
    if (!t) throw new Error(`unknown catalog column type ${type}`);
    return { name, type: t };
  });
}

const TABLES: SystemTable[] = [];
let nextViewOid = 12000;

function table(schema: 'pg_catalog' | 'information_schema', name: string, oid: number | undefined, spec: string, rows: (s: CatalogSnapshot) => Row[] = () => []): void {
  TABLES.push({ schema, name, oid: oid ?? nextViewOid++, columns: cols(spec, schema), rows });
}

const userRels = (s: CatalogSnapshot): Relation[] => s.relations().filter((r) => !r.system);
const tablesOnly = (r: Relation): boolean => r.kind === 'r' || r.kind === 'p' || r.kind === 'm';

// ---- pg_catalog ----

table('pg_catalog', 'pg_namespace', ClassOid.pg_namespace, 'oid oid, nspname name, nspowner oid, nspacl aclitem[]', (s) =>
  s.namespaces().map((n) => ({ oid: n.oid, nspname: n.name, nspowner: OWNER_OID })));

table('pg_catalog', 'pg_class', ClassOid.pg_class, `oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid,
  relfilenode oid, reltablespace oid, relpages int4, reltuples float4, relallvisible int4, reltoastrelid oid, relhasindex bool,
  relisshared bool, relpersistence char, relkind char, relnatts int2, relchecks int2, relhasrules bool, relhastriggers bool,
  relhassubclass bool, relrowsecurity bool, relforcerowsecurity bool, relispopulated bool, relreplident char, relispartition bool,
  relrewrite oid, relfrozenxid xid, relminmxid xid, relacl aclitem[], reloptions text[], relpartbound pg_node_tree`, (s) =>
  s.relations().map((r) => ({
    oid: r.oid, relname: r.name, relnamespace: r.ns.oid, reltype: 0, reloftype: 0, relowner: OWNER_OID,
    relam: r.kind === 'v' || r.kind === 'p' ? 0 : s.amOid(r.am), relfilenode: r.kind === 'v' ? 0 : r.oid, reltablespace: 0, relpages: 0,
    reltuples: -1, relallvisible: 0, reltoastrelid: 0, relhasindex: r.primaryKey !== undefined, relisshared: false,
    relpersistence: r.temporary ? 't' : 'p', relkind: r.kind, relnatts: r.attrs.length, relchecks: 0, relhasrules: false,
    relhastriggers: false, relhassubclass: false, relrowsecurity: false, relforcerowsecurity: false, relispopulated: true,
    relreplident: r.kind === 'i' || r.kind === 'v' ? 'n' : 'd', relispartition: false, relrewrite: 0, relfrozenxid: 0, relminmxid: 0,
    reloptions: Object.keys(r.options).length > 0 ? Object.entries(r.options).map(([k, v]) => `${k}=${v}`) : null,
  })));

table('pg_catalog', 'pg_attribute', 1249, `attrelid oid, attname name, atttypid oid, attstattarget int4, attlen int2, attnum int2,
  attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, attalign char, attstorage char, attcompression char, attnotnull bool,
  atthasdef bool, atthasmissing bool, attidentity char, attgenerated char, attisdropped bool, attislocal bool, attinhcount int4,
  attcollation oid, attacl aclitem[], attoptions text[], attfdwoptions text[], attmissingval text`, (s) =>
  s.relations().flatMap((r) => r.attrs.map((a) => {
    const ti = pgTypeInfo(a.typeOid);
    return {
      attrelid: r.oid, attname: a.name, atttypid: a.typeOid, attstattarget: -1, attlen: ti?.len ?? -1, attnum: a.num,
      attndims: ti?.category === 'A' ? 1 : 0, attcacheoff: -1, atttypmod: a.typmod, attbyval: ti?.byval ?? false, attalign: ti?.align ?? 'i',
      attstorage: ti?.storage ?? 'x', attcompression: '', attnotnull: a.notNull, atthasdef: a.generated !== undefined && r.kind !== 'i',
      atthasmissing: false, attidentity: '', attgenerated: a.generated !== undefined && r.kind !== 'i' ? 's' : '', attisdropped: false,
      attislocal: true, attinhcount: 0, attcollation: ti?.collation ?? 0,
    };
  })));

table('pg_catalog', 'pg_attrdef', 2604, 'oid oid, adrelid oid, adnum int2, adbin pg_node_tree', (s) =>
  userRels(s).filter((r) => r.kind !== 'i').flatMap((r) => r.attrs.filter((a) => a.generated !== undefined).map((a) => ({
    oid: r.oid + a.num, adrelid: r.oid, adnum: a.num, adbin: a.generated!,
  }))));

table('pg_catalog', 'pg_type', ClassOid.pg_type, `oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool,
  typtype char, typcategory char, typispreferred bool, typisdefined bool, typdelim char, typrelid oid, typsubscript regproc, typelem oid,
  typarray oid, typinput regproc, typoutput regproc, typreceive regproc, typsend regproc, typmodin regproc, typmodout regproc, typanalyze regproc,
  typalign char, typstorage char, typnotnull bool, typbasetype oid, typtypmod int4, typndims int4, typcollation oid,
  typdefaultbin pg_node_tree, typdefault text, typacl aclitem[]`, () =>
  PG_TYPES.map((t) => ({
    oid: t.oid, typname: t.name, typnamespace: PG_CATALOG_OID, typowner: OWNER_OID, typlen: t.len, typbyval: t.byval, typtype: t.typtype,
    typcategory: t.category, typispreferred: t.preferred ?? false, typisdefined: true, typdelim: ',', typrelid: 0,
    typsubscript: t.category === 'A' ? 'array_subscript_handler' : '-', typelem: t.elem ?? 0, typarray: t.category === 'A' ? 0 : t.array ?? 0,
    typinput: t.input, typoutput: t.output, typreceive: t.input.replace(/in$/, 'recv'), typsend: t.output.replace(/out$/, 'send'),
    typmodin: '-', typmodout: '-', typanalyze: '-', typalign: t.align, typstorage: t.storage, typnotnull: false, typbasetype: 0,
    typtypmod: -1, typndims: 0, typcollation: t.collation,
  })));

table('pg_catalog', 'pg_database', ClassOid.pg_database, `oid oid, datname name, datdba oid, encoding int4, datlocprovider char,
  datistemplate bool, datallowconn bool, datconnlimit int4, datfrozenxid xid, datminmxid xid, dattablespace oid, datcollate text,
  datctype text, daticulocale text, datcollversion text, datacl aclitem[]`, (s) =>
  s.databases().map((d) => ({
    oid: d.oid, datname: d.name, datdba: OWNER_OID, encoding: 6, datlocprovider: 'c', datistemplate: false, datallowconn: true,
    datconnlimit: -1, datfrozenxid: 0, datminmxid: 1, dattablespace: 1663, datcollate: 'C', datctype: 'C',
  })));

table('pg_catalog', 'pg_am', 2601, 'oid oid, amname name, amhandler regproc, amtype char', (s) =>
  s.accessMethods().map((a) => ({ oid: a.oid, amname: a.name, amhandler: a.name === 'btree' ? 'bthandler' : 'heap_tableam_handler', amtype: a.type })));

table('pg_catalog', 'pg_collation', 3456, `oid oid, collname name, collnamespace oid, collowner oid, collprovider char,
  collisdeterministic bool, collencoding int4, collcollate text, collctype text, colliculocale text, collversion text`, () => [
  { oid: 100, collname: 'default', collnamespace: PG_CATALOG_OID, collowner: OWNER_OID, collprovider: 'd', collisdeterministic: true, collencoding: -1 },
  { oid: 950, collname: 'C', collnamespace: PG_CATALOG_OID, collowner: OWNER_OID, collprovider: 'c', collisdeterministic: true, collencoding: -1, collcollate: 'C', collctype: 'C' },
  { oid: 951, collname: 'POSIX', collnamespace: PG_CATALOG_OID, collowner: OWNER_OID, collprovider: 'c', collisdeterministic: true, collencoding: -1, collcollate: 'POSIX', collctype: 'POSIX' },
]);

table('pg_catalog', 'pg_index', 2610, `indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool,
  indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, indimmediate bool, indisclustered bool, indisvalid bool,
  indcheckxmin bool, indisready bool, indislive bool, indisreplident bool, indkey int2vector, indcollation oidvector,
  indclass oidvector, indoption int2vector, indexprs pg_node_tree, indpred pg_node_tree`, (s) =>
  userRels(s).filter((r) => r.primaryKey).map((r) => {
    const pk = r.primaryKey!;
    return {
      indexrelid: pk.oid, indrelid: r.oid, indnatts: pk.attnums.length, indnkeyatts: pk.attnums.length, indisunique: true,
      indnullsnotdistinct: false, indisprimary: true, indisexclusion: false, indimmediate: true, indisclustered: false, indisvalid: true,
      indcheckxmin: false, indisready: true, indislive: true, indisreplident: false, indkey: pk.attnums,
      indcollation: pk.attnums.map(() => 0), indclass: pk.attnums.map(() => 0), indoption: pk.attnums.map(() => 0),
    };
  }));

table('pg_catalog', 'pg_constraint', ClassOid.pg_constraint, `oid oid, conname name, connamespace oid, contype char,
  condeferrable bool, condeferred bool, convalidated bool, conrelid oid, contypid oid, conindid oid, conparentid oid, confrelid oid,
  confupdtype char, confdeltype char, confmatchtype char, conislocal bool, coninhcount int4, connoinherit bool, conkey int2[],
  confkey int2[], conpfeqop oid[], conppeqop oid[], conffeqop oid[], confdelsetcols int2[], conexclop oid[], conbin pg_node_tree`, (s) =>
  userRels(s).filter((r) => r.primaryKey).map((r) => ({
    oid: r.primaryKey!.oid + 1, conname: r.primaryKey!.name, connamespace: r.ns.oid, contype: 'p', condeferrable: false, condeferred: false,
    convalidated: false, conrelid: r.oid, contypid: 0, conindid: r.primaryKey!.oid, conparentid: 0, confrelid: 0, confupdtype: ' ',
    confdeltype: ' ', confmatchtype: ' ', conislocal: true, coninhcount: 0, connoinherit: true, conkey: r.primaryKey!.attnums,
  })));

table('pg_catalog', 'pg_description', 2609, 'objoid oid, classoid oid, objsubid int4, description text', (s) => {
  const out: Row[] = [];
  for (const r of userRels(s)) {
    if (r.comment) out.push({ objoid: r.oid, classoid: ClassOid.pg_class, objsubid: 0, description: r.comment });
    for (const a of r.attrs) if (a.comment && r.kind !== 'i') out.push({ objoid: r.oid, classoid: ClassOid.pg_class, objsubid: a.num, description: a.comment });
  }
  for (const n of s.namespaces()) if (n.comment) out.push({ objoid: n.oid, classoid: ClassOid.pg_namespace, objsubid: 0, description: n.comment });
  return out;
});

table('pg_catalog', 'pg_shdescription', 2396, 'objoid oid, classoid oid, description text');
table('pg_catalog', 'pg_policy', 3256, 'oid oid, polname name, polrelid oid, polcmd char, polpermissive bool, polroles oid[], polqual pg_node_tree, polwithcheck pg_node_tree');
table('pg_catalog', 'pg_statistic_ext', 3381, 'oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys int2vector, stxkind char[], stxexprs pg_node_tree');
table('pg_catalog', 'pg_publication', 6104, 'oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool, pubtruncate bool, pubviaroot bool');
table('pg_catalog', 'pg_publication_namespace', 6237, 'oid oid, pnpubid oid, pnnspid oid');
table('pg_catalog', 'pg_publication_rel', 6106, 'oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2vector');
table('pg_catalog', 'pg_inherits', 2611, 'inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool');
table('pg_catalog', 'pg_rewrite', 2618, 'oid oid, rulename name, ev_class oid, ev_type char, ev_enabled char, is_instead bool, ev_qual pg_node_tree, ev_action pg_node_tree');
table('pg_catalog', 'pg_trigger', 2620, 'oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype int2, tgenabled char, tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, tgconstraint oid, tgdeferrable bool, tginitdeferred bool, tgnargs int2, tgattr int2vector, tgargs bytea, tgqual pg_node_tree, tgoldtable name, tgnewtable name');
table('pg_catalog', 'pg_depend', 2608, 'classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, refobjsubid int4, deptype char');
table('pg_catalog', 'pg_enum', 3501, 'oid oid, enumtypid oid, enumsortorder float4, enumlabel name');
table('pg_catalog', 'pg_extension', 3079, 'oid oid, extname name, extowner oid, extnamespace oid, extrelocatable bool, extversion text, extconfig oid[], extcondition text[]');
table('pg_catalog', 'pg_foreign_table', 3118, 'ftrelid oid, ftserver oid, ftoptions text[]');
table('pg_catalog', 'pg_event_trigger', 3466, 'oid oid, evtname name, evtevent name, evtowner oid, evtfoid oid, evtenabled char, evttags text[]');
table('pg_catalog', 'pg_sequence', 2224, 'seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool');
table('pg_catalog', 'pg_proc', ClassOid.pg_proc, `oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4,
  prorows float4, provariadic oid, prosupport regproc, prokind char, prosecdef bool, proleakproof bool, proisstrict bool, proretset bool,
  provolatile char, proparallel char, pronargs int2, pronargdefaults int2, prorettype oid, proargtypes oidvector, proallargtypes oid[],
  proargmodes char[], proargnames text[], proargdefaults pg_node_tree, protrftypes oid[], prosrc text, probin text, prosqlbody pg_node_tree,
  proconfig text[], proacl aclitem[]`);
table('pg_catalog', 'pg_language', 2612, 'oid oid, lanname name, lanowner oid, lanispl bool, lanpltrusted bool, lanplcallfoid oid, laninline oid, lanvalidator oid, lanacl aclitem[]', () => [
  { oid: 12, lanname: 'internal', lanowner: OWNER_OID, lanispl: false, lanpltrusted: false, lanplcallfoid: 0, laninline: 0, lanvalidator: 0 },
  { oid: 14, lanname: 'sql', lanowner: OWNER_OID, lanispl: false, lanpltrusted: true, lanplcallfoid: 0, laninline: 0, lanvalidator: 0 },
]);

table('pg_catalog', 'pg_tablespace', 1213, 'oid oid, spcname name, spcowner oid, spcacl aclitem[], spcoptions text[]', () => [
  { oid: 1663, spcname: 'pg_default', spcowner: OWNER_OID }, { oid: 1664, spcname: 'pg_global', spcowner: OWNER_OID },
]);

const roleRow = (s: CatalogSnapshot): Row => ({
  rolname: s.session.user, rolsuper: true, rolinherit: true, rolcreaterole: true, rolcreatedb: true, rolcanlogin: true,
  rolreplication: false, rolconnlimit: -1, rolpassword: '********', rolbypassrls: true, oid: OWNER_OID,
});
table('pg_catalog', 'pg_roles', undefined, `rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool,
  rolcanlogin bool, rolreplication bool, rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz, rolbypassrls bool, rolconfig text[], oid oid`,
(s) => [roleRow(s)]);
table('pg_catalog', 'pg_authid', 1260, `oid oid, rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool,
  rolcanlogin bool, rolreplication bool, rolbypassrls bool, rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz`, (s) => [{ ...roleRow(s), rolpassword: null }]);
table('pg_catalog', 'pg_user', undefined, 'usename name, usesysid oid, usecreatedb bool, usesuper bool, userepl bool, usebypassrls bool, passwd text, valuntil text, useconfig text[]', (s) => [
  { usename: s.session.user, usesysid: OWNER_OID, usecreatedb: true, usesuper: true, userepl: false, usebypassrls: true, passwd: '********' },
]);
table('pg_catalog', 'pg_auth_members', 1261, 'oid oid, roleid oid, member oid, grantor oid, admin_option bool');

table('pg_catalog', 'pg_settings', undefined, `name text, setting text, unit text, category text, short_desc text, extra_desc text,
  context text, vartype text, source text, min_val text, max_val text, enumvals text[], boot_val text, reset_val text, sourcefile text,
  sourceline int4, pending_restart bool`, (s) =>
  s.session.allSettings().map(([name, setting, desc]) => ({
    name, setting: name.toLowerCase() === 'search_path' ? s.searchPath() : setting, category: name.includes('.') ? 'Freshet' : 'Client Connection Defaults',
    short_desc: desc, context: 'user', vartype: /^(on|off|true|false)$/.test(setting) ? 'bool' : /^-?\d+$/.test(setting) ? 'integer' : 'string',
    source: 'session', boot_val: setting, reset_val: setting, pending_restart: false,
  })));

table('pg_catalog', 'pg_tables', undefined, 'schemaname name, tablename name, tableowner name, tablespace name, hasindexes bool, hasrules bool, hastriggers bool, rowsecurity bool', (s) =>
  s.relations().filter((r) => r.kind === 'r' || r.kind === 'p').map((r) => ({
    schemaname: r.ns.name, tablename: r.name, tableowner: s.session.user, hasindexes: r.primaryKey !== undefined, hasrules: false, hastriggers: false, rowsecurity: false,
  })));
table('pg_catalog', 'pg_views', undefined, 'schemaname name, viewname name, viewowner name, definition text', (s) =>
  s.relations().filter((r) => r.kind === 'v' && !r.system).map((r) => ({ schemaname: r.ns.name, viewname: r.name, viewowner: s.session.user, definition: r.definition ?? null })));
table('pg_catalog', 'pg_matviews', undefined, 'schemaname name, matviewname name, matviewowner name, tablespace name, hasindexes bool, ispopulated bool, definition text', (s) =>
  s.relations().filter((r) => r.kind === 'm').map((r) => ({
    schemaname: r.ns.name, matviewname: r.name, matviewowner: s.session.user, hasindexes: r.primaryKey !== undefined, ispopulated: true, definition: r.definition ?? null,
  })));
table('pg_catalog', 'pg_indexes', undefined, 'schemaname name, tablename name, indexname name, tablespace name, indexdef text', (s) =>
  s.relations().filter((r) => r.kind === 'i').map((r) => ({ schemaname: r.ns.name, tablename: r.indexOf!.name, indexname: r.name, indexdef: indexDef(r) })));
table('pg_catalog', 'pg_stat_user_tables', undefined, `relid oid, schemaname name, relname name, seq_scan int8, seq_tup_read int8,
  idx_scan int8, idx_tup_fetch int8, n_tup_ins int8, n_tup_upd int8, n_tup_del int8, n_tup_hot_upd int8, n_live_tup int8, n_dead_tup int8`, (s) =>
  userRels(s).filter(tablesOnly).map((r) => ({ relid: r.oid, schemaname: r.ns.name, relname: r.name })));
table('pg_catalog', 'pg_stat_activity', undefined, `datid oid, datname name, pid int4, usesysid oid, usename name, application_name text,
  client_addr text, backend_start text, state text, query text`, (s) => [
  { datid: s.databases().find((d) => d.name === s.catalogName)?.oid ?? 0, datname: s.catalogName, pid: process.pid, usesysid: OWNER_OID, usename: s.session.user, application_name: s.session.setting('application_name') ?? '', state: 'active' },
]);

// ---- information_schema ----

const isTable = (r: Relation): boolean => r.kind !== 'i';

table('information_schema', 'schemata', undefined, `catalog_name name, schema_name name, schema_owner name, default_character_set_catalog name,
  default_character_set_schema name, default_character_set_name name, sql_path text`, (s) =>
  s.namespaces().map((n) => ({ catalog_name: s.catalogName, schema_name: n.name, schema_owner: s.session.user })));

table('information_schema', 'tables', undefined, `table_catalog name, table_schema name, table_name name, table_type text,
  self_referencing_column_name name, reference_generation text, user_defined_type_catalog name, user_defined_type_schema name,
  user_defined_type_name name, is_insertable_into text, is_typed text, commit_action text`, (s) =>
  s.relations().filter(isTable).map((r) => ({
    table_catalog: s.catalogName, table_schema: r.ns.name, table_name: r.name,
    table_type: r.kind === 'v' ? 'VIEW' : r.temporary ? 'LOCAL TEMPORARY' : 'BASE TABLE',
    is_insertable_into: r.kind === 'v' || r.system ? 'NO' : 'YES', is_typed: 'NO',
  })));

table('information_schema', 'columns', undefined, `table_catalog name, table_schema name, table_name name, column_name name,
  ordinal_position int4, column_default text, is_nullable text, data_type text, character_maximum_length int4,
  character_octet_length int4, numeric_precision int4, numeric_precision_radix int4, numeric_scale int4, datetime_precision int4,
  interval_type text, interval_precision int4, character_set_catalog name, character_set_schema name, character_set_name name,
  collation_catalog name, collation_schema name, collation_name name, domain_catalog name, domain_schema name, domain_name name,
  udt_catalog name, udt_schema name, udt_name name, scope_catalog name, scope_schema name, scope_name name,
  maximum_cardinality int4, dtd_identifier name, is_self_referencing text, is_identity text, identity_generation text,
  identity_start text, identity_increment text, identity_maximum text, identity_minimum text, identity_cycle text,
  is_generated text, generation_expression text, is_updatable text`, (s) =>
  s.relations().filter(isTable).flatMap((r) => r.attrs.map((a) => {
    const ti = pgTypeInfo(a.typeOid);
    const mod = a.typmod;
    const text = a.typeOid === 1043 || a.typeOid === 1042;
    const numeric = a.typeOid === 1700 && mod >= 4;
    const ints: Record<number, number> = { 21: 16, 23: 32, 20: 64, 700: 24, 701: 53 };
    const time = [1083, 1114, 1184].includes(a.typeOid);
    return {
      table_catalog: s.catalogName, table_schema: r.ns.name, table_name: r.name, column_name: a.name, ordinal_position: a.num,
      column_default: null, is_nullable: a.notNull ? 'NO' : 'YES',
      data_type: ti?.category === 'A' ? 'ARRAY' : formatPgType(a.typeOid, -1),
      character_maximum_length: text && mod >= 4 ? mod - 4 : null, character_octet_length: text && mod >= 4 ? (mod - 4) * 4 : a.typeOid === 25 ? 1073741824 : null,
      numeric_precision: numeric ? ((mod - 4) >> 16) & 0xffff : ints[a.typeOid] ?? null,
      numeric_precision_radix: numeric ? 10 : ints[a.typeOid] !== undefined ? 2 : null,
      numeric_scale: numeric ? (mod - 4) & 0xffff : [21, 23, 20].includes(a.typeOid) ? 0 : null,
      datetime_precision: time ? (mod >= 0 ? mod : 6) : a.typeOid === 1082 ? 0 : null,
      udt_catalog: s.catalogName, udt_schema: 'pg_catalog', udt_name: ti?.name ?? 'text', dtd_identifier: String(a.num),
      is_self_referencing: 'NO', is_identity: 'NO', identity_cycle: 'NO',
      is_generated: a.generated !== undefined && r.kind !== 'v' ? 'ALWAYS' : 'NEVER', generation_expression: r.kind !== 'v' ? a.generated ?? null : null,
      is_updatable: r.kind === 'v' || r.system ? 'NO' : 'YES',
    };
  })));

table('information_schema', 'views', undefined, `table_catalog name, table_schema name, table_name name, view_definition text,
  check_option text, is_updatable text, is_insertable_into text, is_trigger_updatable text, is_trigger_deletable text,
  is_trigger_insertable_into text`, (s) =>
  userRels(s).filter((r) => r.kind === 'v').map((r) => ({
    table_catalog: s.catalogName, table_schema: r.ns.name, table_name: r.name, view_definition: r.definition ?? null, check_option: 'NONE',
    is_updatable: 'NO', is_insertable_into: 'NO', is_trigger_updatable: 'NO', is_trigger_deletable: 'NO', is_trigger_insertable_into: 'NO',
  })));

table('information_schema', 'table_constraints', undefined, `constraint_catalog name, constraint_schema name, constraint_name name,
  table_catalog name, table_schema name, table_name name, constraint_type text, is_deferrable text, initially_deferred text,
  enforced text, nulls_distinct text`, (s) =>
  userRels(s).filter((r) => r.primaryKey).map((r) => ({
    constraint_catalog: s.catalogName, constraint_schema: r.ns.name, constraint_name: r.primaryKey!.name, table_catalog: s.catalogName,
    table_schema: r.ns.name, table_name: r.name, constraint_type: 'PRIMARY KEY', is_deferrable: 'NO', initially_deferred: 'NO', enforced: 'NO',
  })));

table('information_schema', 'key_column_usage', undefined, `constraint_catalog name, constraint_schema name, constraint_name name,
  table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, position_in_unique_constraint int4`, (s) =>
  userRels(s).filter((r) => r.primaryKey).flatMap((r) => r.primaryKey!.attnums.map((n, i) => ({
    constraint_catalog: s.catalogName, constraint_schema: r.ns.name, constraint_name: r.primaryKey!.name, table_catalog: s.catalogName,
    table_schema: r.ns.name, table_name: r.name, column_name: r.attrs[n - 1]?.name ?? null, ordinal_position: i + 1,
  }))));

table('information_schema', 'routines', undefined, 'specific_catalog name, specific_schema name, specific_name name, routine_catalog name, routine_schema name, routine_name name, routine_type text, data_type text');

export const SYSTEM_TABLES: readonly SystemTable[] = TABLES;
const BY_NAME = new Map(TABLES.map((t) => [`${t.schema}.${t.name}`, t]));

/** The emulated table `schema.name` (schema undefined: pg_catalog), or undefined. */
export function systemTable(schema: string | undefined, name: string): SystemTable | undefined {
  return BY_NAME.get(`${schema ?? 'pg_catalog'}.${name}`);
}

