/** CREATE FUNCTION and DROP FUNCTION: user-defined scalar functions written in JavaScript or TypeScript. */
import type * as A from '../../sql/ast.ts';
import type { CatalogFunction } from '../../catalog/objects.ts';
import { SqlState } from '../../util/errors.ts';
import { ok, type OkResult } from '../result.ts';
import type { Session, StatementContext } from '../session.ts';

export async function createFunction(session: Session, ctx: StatementContext, st: A.CreateFunction): Promise<OkResult> {
  const b = session.binder(ctx);
  const cm = session.catalogs;
  const def: CatalogFunction = { className: st.className, language: st.language ?? 'JAVASCRIPT' };
  const name = st.name.parts[st.name.parts.length - 1]!.value;
  if (st.system && st.name.parts.length > 1) {
    throw b.error(SqlState.syntaxError, 'a TEMPORARY SYSTEM function has a plain name, not a qualified one', st.name.loc);
  }
  const id = st.system ? { catalog: '', database: '', name } : b.located(st.name.loc, () => cm.qualify(st.name.parts));
  const prior = st.system ? cm.lookupFunction([{ value: name, quoted: false }]) : cm.lookupFunction(st.name.parts);
  const clash = prior && (st.system ? prior.id.catalog === '' : prior.temporary === st.temporary && prior.id.catalog !== '');
  if (clash) {
    if (st.ifNotExists) return ok('CREATE FUNCTION', `function ${name} already exists, nothing changed`);
    throw b.error(SqlState.duplicateObject, `function ${name} already exists`, st.name.loc, 'DROP FUNCTION it first, or use CREATE FUNCTION IF NOT EXISTS.');
  }
  // load now: a bad path, a missing export or an undeclared result type fails here, not at the first call
  await b.locatedAsync(st.loc, () => session.engine.functions.load(def));
  if (st.temporary) cm.createTemporaryFunction(id, def, st.system);
  else await cm.catalog(id.catalog).createFunction(id.database, id.name, def);
  const udf = session.engine.functions.get(name, def)!;
  return ok('CREATE FUNCTION', `${st.temporary ? 'temporary ' : ''}${st.system ? 'system ' : ''}function ${name} created (returns ${udf.returnType.kind})`);
}

export async function dropFunction(session: Session, ctx: StatementContext, st: A.DropStatement): Promise<OkResult> {
  const b = session.binder(ctx);
  const cm = session.catalogs;
  const name = st.name.parts[st.name.parts.length - 1]!.value;
  if (st.system) {
    if (cm.dropTemporaryFunction({ catalog: '', database: '', name }, true)) return ok('DROP FUNCTION', `temporary system function ${name} dropped`);
  } else {
    const f = cm.lookupFunction(st.name.parts);
    if (f && f.id.catalog !== '' && f.temporary === st.temporary) {
      if (f.temporary) cm.dropTemporaryFunction(f.id, false);
      else await cm.catalog(f.id.catalog).dropFunction(f.id.database, f.id.name);
      return ok('DROP FUNCTION', `${f.temporary ? 'temporary ' : ''}function ${f.id.name} dropped`);
    }
  }
  if (st.ifExists) return ok('DROP FUNCTION', `function ${name} does not exist, nothing changed`);
  const names = cm.userFunctionNames();
  throw b.error(SqlState.undefinedFunction, `${st.temporary ? 'temporary ' : ''}function ${name} does not exist`, st.name.loc,
    names.length > 0 ? `User functions: ${names.join(', ')}.` : 'SHOW USER FUNCTIONS lists them.');
}
