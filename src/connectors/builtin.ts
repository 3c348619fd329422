/** Registers the connectors that ship with Freshet. */
import { registerConnector } from './registry.ts';
import { valuesConnector } from './values.ts';
import { datagenConnector } from './datagen.ts';
import { printConnector, blackholeConnector } from './print.ts';
import { filesystemConnector } from './filesystem/factory.ts';
import { nexmarkConnector } from './nexmark/source.ts';

registerConnector(valuesConnector);
registerConnector(datagenConnector);
registerConnector(printConnector);
registerConnector(blackholeConnector);
registerConnector(filesystemConnector);
registerConnector(nexmarkConnector);
