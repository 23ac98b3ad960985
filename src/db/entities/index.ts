import { OrganizationEntity } from './organization.entity.js';
import { UserEntity } from './user.entity.js';

export const entities = [UserEntity, OrganizationEntity];
